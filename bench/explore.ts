// Settings exploration behind the defaults in src/config.ts: for each UPLOAD_PART_BYTES ×
// UPLOAD_QUEUE_SIZE pair, a fresh service, alternating service/direct uploads (as run.ts does), the
// importer's CPU per GiB and its peak RSS. Default topology `split`, so CPU and RSS are the
// importer's alone. Run: npx tsx bench/explore.ts [--size-mib=256] [--pairs=2] [--grid=5x2,8x4]
// [--topology=split|local] [--encoding=multipart|raw] [--env=NAME=VALUE]
import { sampleRss } from './proc-stats.js';
import { startProxyFloor } from './proxy-floor.js';
import { measureThroughput, warmUp } from './scenarios/throughput.js';
import { startService, type Topology } from './service-process.js';
import { MIB, round } from './stats.js';
import type { BodyEncoding } from './write-table-request.js';

const flag = (name: string): string | undefined =>
  process.argv
    .slice(2)
    .find((arg) => arg.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const sizeBytes = Number(flag('size-mib') ?? 256) * MIB;
const pairs = Number(flag('pairs') ?? 2);
const topology = (flag('topology') ?? 'split') as Topology;
const encoding = (flag('encoding') ?? 'multipart') as BodyEncoding;
const grid = (flag('grid') ?? '5x1,5x2,5x4,8x2,8x4,16x2,16x4,32x2').split(',').map((cell) => {
  const [part, queue] = cell.split('x').map(Number);
  if (!part || !queue) throw new Error(`--grid cells look like 8x4 (MiB x queue), got "${cell}"`);
  return { partBytes: part * MIB, queueSize: queue };
});
const env: Record<string, string> = {};
for (const arg of process.argv.slice(2).filter((a) => a.startsWith('--env='))) {
  const [name, ...value] = arg.slice(6).split('=');
  if (name) env[name] = value.join('=');
}

const rows: string[][] = [
  [
    'part',
    'queue',
    'service MiB/s',
    'direct MiB/s',
    'ratio',
    'importer CPU s/GiB',
    'S3 CPU s/GiB',
    'other CPU s/run',
    'importer peak RSS MiB',
  ],
];
for (const { partBytes, queueSize } of grid) {
  const service = await startService({
    topology,
    runtime: 'dist',
    env: { UPLOAD_PART_BYTES: String(partBytes), UPLOAD_QUEUE_SIZE: String(queueSize), ...env },
  });
  try {
    const settings = { bytes: sizeBytes, pairs, encoding, partBytes, queueSize };
    await warmUp(service, settings);
    const floor = await startProxyFloor(partBytes, queueSize);
    const sampler = sampleRss(service.pid);
    const result = await measureThroughput(service, floor, settings, (line) =>
      process.stderr.write(`${line}\n`),
    ).finally(() => floor.stop());
    const { peakMiB } = sampler.stop();
    const other = result.runs.reduce((sum, run) => sum + run.otherCpuS, 0) / result.runs.length;
    const importerCpu =
      topology === 'local' ? result.cpuSecondsPerGiB - result.s3CpuSecondsPerGiB : result.cpuSecondsPerGiB;
    rows.push([
      `${partBytes / MIB} MiB`,
      String(queueSize),
      String(round(result.serviceMiBps)),
      String(round(result.directMiBps)),
      round(result.ratio, 3).toFixed(3),
      String(round(importerCpu, 2)),
      String(round(result.s3CpuSecondsPerGiB, 2)),
      String(round(other, 1)),
      topology === 'split' ? String(round(peakMiB)) : 'n/a (shared)',
    ]);
    process.stderr.write(`${rows.at(-1)?.join(' | ')}\n`);
  } finally {
    await service.stop();
  }
}
const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
for (const row of rows) {
  process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')}\n`);
}
process.stdout.write(
  `${topology} topology, dist runtime, ${encoding} bodies, ${sizeBytes / MIB} MiB × ${pairs} pairs, Node ${process.version}\n`,
);
