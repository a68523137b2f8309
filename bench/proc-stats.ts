// Reads a process's memory and CPU figures from Linux /proc: resident set size (VmRSS), its peak
// (VmHWM, resettable through clear_refs), user + system CPU seconds. Linux only; nothing else here.
import { readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 * 1024;
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface RssReading {
  rssMiB: number;
  /** VmHWM: the peak since start or the last reset. */
  peakMiB: number;
  /** Of rssMiB: anonymous memory (V8 heap, buffers, malloc) and mapped files (node's binary, libraries). */
  anonMiB: number;
  fileMiB: number;
}

export function readRssMiB(pid: number): RssReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return {
    rssMiB: (kib('VmRSS') * 1024) / MIB,
    peakMiB: (kib('VmHWM') * 1024) / MIB,
    anonMiB: (kib('RssAnon') * 1024) / MIB,
    fileMiB: (kib('RssFile') * 1024) / MIB,
  };
}

/** User + system CPU seconds the process has used so far (10 ms resolution). */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds all processes of the machine spent busy (not idle/iowait) since boot, from /proc/stat. */
export function readMachineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
    CLOCK_TICKS_PER_SECOND
  );
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes); false when not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssSampler {
  /**
   * Stops sampling; the peak is the larger of the sampled maximum and VmHWM (when it was reset).
   * `highest` is the sample with the most RSS (its anon/file split; VmHWM has none).
   */
  stop(): { peakMiB: number; samples: number; highest: RssReading };
}

/**
 * Samples VmRSS every `intervalMs` and resets VmHWM first, so the kernel's own peak covers the
 * moments between samples. Without clear_refs the sampled maximum alone is reported.
 */
export function sampleRss(pid: number, intervalMs = 20): RssSampler {
  const hwmReset = resetPeakRss(pid);
  let highest = readRssMiB(pid);
  let samples = 1;
  const timer = setInterval(() => {
    try {
      const reading = readRssMiB(pid);
      if (reading.rssMiB > highest.rssMiB) highest = reading;
      samples++;
    } catch {
      // The process is gone; the caller notices on its own.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const last = readRssMiB(pid);
      if (last.rssMiB > highest.rssMiB) highest = last;
      const sampled = highest.rssMiB;
      return { peakMiB: hwmReset ? Math.max(sampled, last.peakMiB) : sampled, samples: samples + 1, highest };
    },
  };
}
