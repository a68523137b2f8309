// `npx tsx bench/small-csv-paired.ts --base=DIR [--pairs=N]`: the 10-row CSV of `--only=small`
// against two services at once — this checkout's and another checkout's (DIR, e.g. a `git archive`
// of the commit before a change, with node_modules linked) — alternating request by request, so
// both see the same load on a shared machine. Prints p50/p95, the services' own split and CPU ms
// per request (importer, importer + stand-in) of each, and in how many pairs this checkout won.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCpuSeconds } from './proc-stats.js';
import { smallCsvSender } from './scenarios/small-csv.js';
import { type ServiceOptions, type ServiceProcess, startService } from './service-process.js';
import { percentile, round } from './stats.js';
import type { sendWriteTable } from './write-table-request.js';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name ?? '', value ?? ''];
  }),
);
const baseDir = args.get('base');
if (!baseDir) {
  process.stderr.write('usage: npx tsx bench/small-csv-paired.ts --base=DIR [--pairs=N]\n');
  process.exit(2);
}
const PAIRS = Number(args.get('pairs') || 100);
const WARM_UP_PAIRS = 5;

const other = (await import(pathToFileURL(join(resolve(baseDir), 'bench', 'service-process.ts')).href)) as {
  startService: typeof startService;
};
const options: ServiceOptions = { topology: 'split', runtime: 'dist', env: {} };
const services: { name: string; service: ServiceProcess }[] = [
  { name: 'base', service: await other.startService(options) },
  { name: 'this', service: await startService(options) },
];
const senders = new Map(
  await Promise.all(
    services.map(async ({ service }) => [service, await smallCsvSender(service, 'multipart')] as const),
  ),
);
const send = (service: ServiceProcess) => (senders.get(service) as () => ReturnType<typeof sendWriteTable>)();
const cpu = (service: ServiceProcess) => ({
  importer: readCpuSeconds(service.pid),
  both: readCpuSeconds(service.pid) + readCpuSeconds(service.storagePid),
});

try {
  for (let i = 0; i < WARM_UP_PAIRS; i++) for (const { service } of services) await send(service);
  const results = services.map(({ service }) => ({
    ms: [] as number[],
    uploadMs: [] as number[],
    jobMs: [] as number[],
    errors: 0,
    cpuAtStart: cpu(service),
  }));
  const loadAtStart = loadavg()[0] ?? 0;
  for (let i = 0; i < PAIRS; i++) {
    // Alternating who goes first: neither always runs right after the other's request.
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const result = results[k];
      const entry = services[k];
      if (!result || !entry) continue;
      const answer = await send(entry.service);
      if (answer.status !== 200 || answer.body.totalRowsCount !== 10) result.errors++;
      const timings = answer.body.timings as { uploadMs?: number; jobMs?: number } | undefined;
      result.ms.push(answer.ms);
      result.uploadMs.push(timings?.uploadMs ?? Number.NaN);
      result.jobMs.push(timings?.jobMs ?? Number.NaN);
    }
  }
  services.forEach(({ name, service }, k) => {
    const result = results[k];
    if (!result) return;
    const now = cpu(service);
    const perRequest = (seconds: number) => round((seconds * 1000) / PAIRS);
    console.log(
      `${name}: p50 ${round(percentile(result.ms, 50))} ms, p95 ${round(percentile(result.ms, 95))} ms; service split upload ${percentile(result.uploadMs, 50)} ms + job ${percentile(result.jobMs, 50)} ms; CPU per request: importer ${perRequest(now.importer - result.cpuAtStart.importer)} ms, importer + stand-in ${perRequest(now.both - result.cpuAtStart.both)} ms; errors ${result.errors}`,
    );
  });
  const [base, own] = results;
  const wins = own?.ms.filter((ms, i) => ms < (base?.ms[i] ?? Number.POSITIVE_INFINITY)).length ?? 0;
  console.log(
    `${PAIRS} pairs: this checkout faster in ${wins}; load average ${round(loadAtStart, 2)} → ${round(loadavg()[0] ?? 0, 2)}`,
  );
} finally {
  for (const { service } of services) await service.stop();
}
