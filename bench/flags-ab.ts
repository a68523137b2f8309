// Node flags or environment side by side: one compiled importer (with its own stand-in) per variant,
// multipart uploads alternating between them round by round, so machine load hits all alike; per
// upload the importer's CPU seconds per GiB and peak RSS. Usage:
//   npx tsx bench/flags-ab.ts --size-mib=256 --rounds=4 'plain=' 'semi8=--max-semi-space-size=8' \
//     'mmap=MALLOC_MMAP_THRESHOLD_=131072'
// A variant is name=flags and NAME=value pairs separated by spaces (`--x` is a node flag).
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ROW_BYTES, generateCsv } from './generate-csv.js';
import { readCpuSeconds, readRssMiB, sampleRss } from './proc-stats.js';
import { type ServiceProcess, startService } from './service-process.js';
import { MIB } from './stats.js';
import { jobIdOf, waitForJob } from './storage-calls.js';
import { sendWriteTable } from './write-table-request.js';

interface Variant {
  name: string;
  flags: string[];
  env: Record<string, string>;
}

const TABLE_ID = 'in.c-bench.flags';

function parseArgs(argv: readonly string[]): { bytes: number; rounds: number; variants: Variant[] } {
  let bytes = 256 * MIB;
  let rounds = 4;
  const variants: Variant[] = [];
  for (const arg of argv) {
    const option = /^--(size-mib|rounds)=(\d+)$/.exec(arg);
    if (option) {
      if (option[1] === 'size-mib') bytes = Number(option[2]) * MIB;
      else rounds = Number(option[2]);
      continue;
    }
    const at = arg.indexOf('=');
    if (at < 1) throw new Error(`expected name=flags, got "${arg}"`);
    const words = arg
      .slice(at + 1)
      .split(/\s+/)
      .filter((word) => word !== '');
    const env: Record<string, string> = {};
    for (const word of words.filter((w) => !w.startsWith('--'))) {
      const eq = word.indexOf('=');
      if (eq < 1) throw new Error(`"${word}": a node flag starts with --, an env setting is NAME=value`);
      env[word.slice(0, eq)] = word.slice(eq + 1);
    }
    variants.push({ name: arg.slice(0, at), flags: words.filter((w) => w.startsWith('--')), env });
  }
  if (variants.length === 0) throw new Error('name at least one variant, e.g. plain=');
  return { bytes, rounds, variants };
}

async function upload(service: ServiceProcess, bytes: number): Promise<void> {
  const response = await sendWriteTable({
    url: service.url,
    token: service.token,
    fields: { tableId: TABLE_ID, incremental: '0', wait: '0' },
    data: generateCsv({ totalBytes: bytes, rowBytes: DEFAULT_ROW_BYTES }),
    dataBytes: bytes,
    encoding: 'multipart',
  });
  if (response.status !== 202 && response.status !== 200) {
    throw new Error(`write-table answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  await waitForJob(service, jobIdOf(response.body));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

const { bytes, rounds, variants } = parseArgs(process.argv.slice(2));
const services: ServiceProcess[] = [];
try {
  for (const variant of variants) {
    services.push(
      await startService({
        topology: 'split',
        runtime: 'dist',
        env: variant.env,
        importerNodeFlags: variant.flags,
      }),
    );
  }
  const results = variants.map(() => ({ idleMiB: 0, peaks: [] as number[], cpu: [] as number[] }));
  for (const [i, service] of services.entries()) {
    await upload(service, 8 * MIB);
    const result = results[i];
    if (result) result.idleMiB = readRssMiB(service.pid).rssMiB;
  }
  for (let round = 0; round < rounds; round++) {
    for (const [i, service] of services.entries()) {
      const cpuBefore = readCpuSeconds(service.pid);
      const sampler = sampleRss(service.pid);
      await upload(service, bytes);
      const { peakMiB } = sampler.stop();
      results[i]?.peaks.push(Math.round(peakMiB * 10) / 10);
      results[i]?.cpu.push(
        Math.round(((readCpuSeconds(service.pid) - cpuBefore) / (bytes / 1024 / MIB)) * 100) / 100,
      );
      await sleep(200);
    }
  }
  for (const [i, variant] of variants.entries()) {
    const result = results[i];
    if (!result) continue;
    process.stdout.write(
      `${variant.name}: idle after warm-up ${result.idleMiB.toFixed(1)} MiB; peak median ${median(result.peaks)} MiB ${JSON.stringify(result.peaks)}; CPU s/GiB median ${median(result.cpu)} ${JSON.stringify(result.cpu)}\n`,
    );
  }
} finally {
  for (const service of services) await service.stop();
}
