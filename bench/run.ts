// `npm run bench`: starts the service as a child process and measures the README's performance targets in one run —
// throughput against a direct S3 upload, CPU per GiB, peak RSS, small-CSV latency and a burst of
// concurrent uploads. Progress goes to stderr; the table (and with --json the JSON line) to stdout.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, parseOptions } from './options.js';
import { readCpuSeconds } from './proc-stats.js';
import { productionMallocEnv, productionNodeFlags } from './production-node-flags.js';
import { startProxyFloor } from './proxy-floor.js';
import { type BenchResults, toJson, toTable } from './report.js';
import { measureConcurrent } from './scenarios/concurrent.js';
import { measureJsonThroughput } from './scenarios/json-throughput.js';
import { measureLocalImport, measureLocalPeakRss } from './scenarios/local-import.js';
import { measurePeakRss } from './scenarios/peak-rss.js';
import { measureSmallCsv } from './scenarios/small-csv.js';
import { measureThroughput, warmUp } from './scenarios/throughput.js';
import { type ServiceOptions, startService } from './service-process.js';
import { MIB } from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function runBench(options: BenchOptions): Promise<BenchResults> {
  const maxConcurrentUploads = Math.max(64, options.concurrentUploads);
  const serviceOptions: ServiceOptions = {
    topology: options.topology,
    runtime: options.runtime,
    provider: options.provider,
    env: {
      UPLOAD_PART_BYTES: String(options.partBytes),
      UPLOAD_QUEUE_SIZE: String(options.queueSize),
      // The burst measures the pipeline, not the 503 guard (default 32) turning half of it away.
      MAX_CONCURRENT_UPLOADS: String(maxConcurrentUploads),
      ...options.env,
    },
    ...(options.importerNodeFlags ? { importerNodeFlags: options.importerNodeFlags } : {}),
    nodeArgs: [
      ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      ...(options.gcLogFile ? ['--trace-gc'] : []),
    ],
    ...(options.gcLogFile ? { stdoutFile: options.gcLogFile } : {}),
  };
  const results: BenchResults = {
    node: process.version,
    cpus: cpus().length,
    provider: options.provider,
    maxConcurrentUploads,
  };
  const { phases } = options;
  const windows: { kind: string; startUs: number; endUs: number }[] = [];

  if (phases.has('throughput') || phases.has('json') || phases.has('small') || phases.has('concurrent')) {
    const service = await startService(serviceOptions);
    try {
      if (phases.has('throughput')) {
        const settings = {
          bytes: options.throughputBytes,
          pairs: options.pairs,
          encoding: options.encoding,
          partBytes: options.partBytes,
          queueSize: options.queueSize,
        };
        log(`throughput: ${options.pairs} service/direct pairs of ${options.throughputBytes / MIB} MiB`);
        await warmUp(service, settings);
        const floor = await startProxyFloor(options.partBytes, options.queueSize);
        try {
          results.throughput = await measureThroughput(service, floor, settings, log);
        } finally {
          await floor.stop();
        }
        for (const { kind, startUs, endUs } of results.throughput.runs)
          windows.push({ kind, startUs, endUs });
      }
      if (phases.has('json')) {
        log(`json: an NDJSON and a JSON-array body of ${options.jsonBytes / 1e6} MB each`);
        results.json = await measureJsonThroughput(
          service,
          options.jsonBytes,
          () => readCpuSeconds(service.pid),
          log,
        );
        windows.push(...results.json.runs);
      }
      if (phases.has('small')) {
        log(`small CSV: ${options.smallRequests} sequential requests`);
        results.small = await measureSmallCsv(service, options.smallRequests, options.encoding);
        windows.push({ kind: 'small-csv', startUs: results.small.startUs, endUs: results.small.endUs });
      }
      if (phases.has('concurrent')) {
        log(`concurrent: ${options.concurrentUploads} uploads of 1 MiB into 8 tables`);
        results.concurrent = await measureConcurrent(service, options.concurrentUploads, options.encoding);
      }
    } finally {
      await service.stop();
    }
    if (options.cpuProfileDir) {
      // profile-summary.ts reads these to attribute samples to the phase that caused them.
      await mkdir(options.cpuProfileDir, { recursive: true });
      await writeFile(join(options.cpuProfileDir, 'windows.json'), JSON.stringify(windows));
    }
  }
  if (phases.has('rss')) {
    log(
      `peak RSS: ${options.rssBytes.small / MIB} MiB and ${options.rssBytes.large / MIB} MiB, fresh service each`,
    );
    const small = await measurePeakRss(serviceOptions, options.rssBytes.small, options.encoding);
    log(
      `  ${options.rssBytes.small / MIB} MiB: peak ${small.peakMiB.toFixed(1)} MiB (idle ${small.idleMiB.toFixed(1)}, fresh ${small.startMiB.toFixed(1)}; highest sample: anon ${small.peakAnonMiB.toFixed(1)} + files ${small.peakFileMiB.toFixed(1)})`,
    );
    const large = await measurePeakRss(serviceOptions, options.rssBytes.large, options.encoding);
    log(
      `  ${options.rssBytes.large / MIB} MiB: peak ${large.peakMiB.toFixed(1)} MiB (idle ${large.idleMiB.toFixed(1)}, fresh ${large.startMiB.toFixed(1)}; highest sample: anon ${large.peakAnonMiB.toFixed(1)} + files ${large.peakFileMiB.toFixed(1)})`,
    );
    results.rss = { small, large };
  }
  if (phases.has('local')) {
    log(`local Storage stand-in: ${options.localRows} rows imported ${options.localRuns}× (local mode)`);
    results.localImport = await measureLocalImport(serviceOptions, options.localRows, options.localRuns, log);
    log(`local Storage stand-in: peak RSS over a ${options.localRssBytes / MIB} MiB write-table and its job`);
    results.localRss = await measureLocalPeakRss(serviceOptions, options.localRssBytes);
    log(
      `  peak ${results.localRss.peakMiB.toFixed(1)} MiB (idle ${results.localRss.idleMiB.toFixed(1)}; upload ${results.localRss.uploadPeakMiB.toFixed(1)}, job ${results.localRss.jobPeakMiB.toFixed(1)}), job ${results.localRss.jobMs.toFixed(0)} ms`,
    );
  }
  return results;
}

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
if (options.runtime === 'dist') {
  const flags = options.importerNodeFlags ?? productionNodeFlags(ROOT);
  const malloc = Object.entries(productionMallocEnv(ROOT)).map(([name, value]) => `${name}=${value} `);
  log(
    `importer: ${malloc.join('')}node ${[...flags, 'dist/main.js'].join(' ')}${options.importerNodeFlags ? '' : ' (Dockerfile ENV and CMD)'}`,
  );
}
// The direct baselines construct S3 clients in this process: the same Node-20 notice switch as the importer's (src/main.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const startedAt = performance.now();
const results = await runBench(options);
log(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
process.stdout.write(`${toTable(results, options)}\n`);
if (options.json) process.stdout.write(`${toJson(results)}\n`);
