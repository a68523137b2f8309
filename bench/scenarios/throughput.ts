// Throughput: one generated CSV through `POST /write-table?wait=0` (timed until the 202, the table
// load excluded) against the direct lib-storage upload of the same bytes to the same embedded S3,
// in alternating pairs. CPU of every process is read around each run, so the embedded S3's share
// (what the service process burns while the bench uploads directly) can be told apart from ours.
// A third run of each round sends the same body through the proxy floor (bench/proxy-floor.ts): the
// CPU a minimal copy-into-parts proxy needs for the same bytes, the figure ours is compared with.
// On S3 a fourth uploads directly with the importer's own S3 store: the bench process's CPU for it
// and for lib-storage's Upload (the direct run) side by side, same bytes, same S3.
import { execFileSync } from 'node:child_process';
import { uploadDirect } from '../direct-upload.js';
import { DEFAULT_ROW_BYTES, generateCsv, planCsv } from '../generate-csv.js';
import { readCpuSeconds, readMachineBusySeconds } from '../proc-stats.js';
import type { ProxyFloor } from '../proxy-floor.js';
import type { ServiceProcess } from '../service-process.js';
import { MIB, median, monotonicUs } from '../stats.js';
import { jobIdOf, tableRowsCount, waitForJob } from '../storage-calls.js';
import { type BodyEncoding, sendWriteTable } from '../write-table-request.js';

export interface ThroughputSettings {
  bytes: number;
  pairs: number;
  encoding: BodyEncoding;
  partBytes: number;
  queueSize: number;
}

export interface ThroughputRun {
  kind: 'service' | 'direct' | 'store' | 'proxy';
  ms: number;
  /** CPU seconds of the importer's process during the run. */
  importerCpuS: number;
  /** CPU seconds of the embedded S3's process (the importer's own in `local`). */
  storageCpuS: number;
  /** CPU seconds of the proxy floor's proxy process (proxy runs only). */
  proxyCpuS: number;
  /** CPU seconds of the byte-counting sink behind the proxy floor (proxy runs only). */
  sinkCpuS: number;
  /** CPU seconds of the bench process (the client side). */
  benchCpuS: number;
  /** CPU seconds every other process on the machine used meanwhile (noise from outside the bench). */
  otherCpuS: number;
  /** CLOCK_MONOTONIC microseconds, the clock of V8's CPU profiles: lets profile-summary pick the run. */
  startUs: number;
  endUs: number;
}

export interface ThroughputResult {
  runs: ThroughputRun[];
  serviceMs: number;
  directMs: number;
  serviceMiBps: number;
  directMiBps: number;
  /** Median service time / median direct time. */
  ratio: number;
  /** Service process CPU (importer; in `local` with the embedded S3 inside) per GiB uploaded. */
  cpuSecondsPerGiB: number;
  /** CPU of the embedded S3's process per GiB, measured during the direct uploads. */
  s3CpuSecondsPerGiB: number;
  /** Bench-process CPU per GiB during direct uploads: the SDK client's own cost (hashing, sockets). */
  sdkCpuSecondsPerGiB: number;
  /**
   * S3: bench-process CPU per GiB uploading directly with the importer's S3 file store (its own
   * multipart loop), and the time; sdkCpuSecondsPerGiB is lib-storage's for the same bytes. Else undefined.
   */
  storeCpuSecondsPerGiB: number | undefined;
  storeMiBps: number | undefined;
  /** The proxy floor's proxy process CPU per GiB: what receiving and re-sending the bytes costs at least. */
  proxyCpuSecondsPerGiB: number;
  /** Its sink's CPU per GiB (the S3 stand-in's place, doing nothing but counting). */
  proxySinkCpuSecondsPerGiB: number;
  /** cpuSecondsPerGiB / proxyCpuSecondsPerGiB. */
  cpuRatioToProxy: number;
  /** CPU cores other processes kept busy during the timed runs, on average: the noise in the figures. */
  otherCores: number;
}

const TABLE_ID = 'in.c-bench.throughput';

export async function warmUp(service: ServiceProcess, settings: ThroughputSettings): Promise<void> {
  const small = { ...settings, bytes: Math.min(settings.bytes, 16 * MIB) };
  await runService(service, small);
  await runDirect(service, small);
  if (service.provider === 'aws') await runDirect(service, small, 'store');
}

export async function measureThroughput(
  service: ServiceProcess,
  floor: ProxyFloor,
  settings: ThroughputSettings,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const runs: ThroughputRun[] = [];
  const kinds: ThroughputRun['kind'][] =
    service.provider === 'aws' ? ['service', 'direct', 'store', 'proxy'] : ['service', 'direct', 'proxy'];
  await runProxy(service, floor, { ...settings, bytes: Math.min(settings.bytes, 16 * MIB) });
  for (let pair = 0; pair < settings.pairs; pair++) {
    const order = pair % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const run =
        kind === 'service'
          ? await runService(service, settings)
          : kind === 'proxy'
            ? await runProxy(service, floor, settings)
            : await runDirect(service, settings, kind);
      runs.push(run);
      log(
        `  ${kind.padEnd(7)} ${(settings.bytes / MIB).toFixed(0)} MiB in ${(run.ms / 1000).toFixed(2)} s = ${(settings.bytes / MIB / (run.ms / 1000)).toFixed(1)} MiB/s, CPU importer ${run.importerCpuS.toFixed(2)} s, proxy ${run.proxyCpuS.toFixed(2)} s, sink ${run.sinkCpuS.toFixed(2)} s, S3 process ${run.storageCpuS.toFixed(2)} s, bench ${run.benchCpuS.toFixed(2)} s, other processes ${run.otherCpuS.toFixed(2)} s`,
      );
    }
  }
  const of = (kind: ThroughputRun['kind']) => runs.filter((run) => run.kind === kind);
  const gib = settings.bytes / (1024 * MIB);
  const serviceMs = median(of('service').map((run) => run.ms));
  const cpuSecondsPerGiB = median(of('service').map((run) => run.importerCpuS)) / gib;
  const proxyCpuSecondsPerGiB = median(of('proxy').map((run) => run.proxyCpuS)) / gib;
  const directMs = median(of('direct').map((run) => run.ms));
  const storeRuns = of('store');
  return {
    runs,
    serviceMs,
    directMs,
    serviceMiBps: settings.bytes / MIB / (serviceMs / 1000),
    directMiBps: settings.bytes / MIB / (directMs / 1000),
    ratio: serviceMs / directMs,
    cpuSecondsPerGiB,
    proxyCpuSecondsPerGiB,
    proxySinkCpuSecondsPerGiB: median(of('proxy').map((run) => run.sinkCpuS)) / gib,
    cpuRatioToProxy: cpuSecondsPerGiB / proxyCpuSecondsPerGiB,
    s3CpuSecondsPerGiB: median(of('direct').map((run) => run.storageCpuS)) / gib,
    sdkCpuSecondsPerGiB: median(of('direct').map((run) => run.benchCpuS)) / gib,
    storeCpuSecondsPerGiB:
      storeRuns.length > 0 ? median(storeRuns.map((run) => run.benchCpuS)) / gib : undefined,
    storeMiBps:
      storeRuns.length > 0
        ? settings.bytes / MIB / (median(storeRuns.map((run) => run.ms)) / 1000)
        : undefined,
    otherCores:
      runs.reduce((sum, run) => sum + run.otherCpuS, 0) / (runs.reduce((sum, run) => sum + run.ms, 0) / 1000),
  };
}

async function runService(service: ServiceProcess, settings: ThroughputSettings): Promise<ThroughputRun> {
  const shape = { totalBytes: settings.bytes, rowBytes: DEFAULT_ROW_BYTES };
  const run = await measured(service, 'service', async () => {
    const response = await sendWriteTable({
      url: service.url,
      token: service.token,
      fields: { tableId: TABLE_ID, incremental: '0', wait: '0' },
      data: generateCsv(shape),
      dataBytes: settings.bytes,
      encoding: settings.encoding,
    });
    if (response.status !== 202 && response.status !== 200) {
      throw new Error(`write-table answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  });
  // The table load runs after the timed part; it must finish (and be right) before the next run.
  await waitForJob(service, jobIdOf(run.result));
  const rows = await tableRowsCount(service, TABLE_ID);
  const expected = planCsv(shape).rowsCount;
  if (rows !== expected) throw new Error(`${TABLE_ID} has ${rows} rows, expected ${expected}`);
  return run.figures;
}

async function runDirect(
  service: ServiceProcess,
  settings: ThroughputSettings,
  kind: 'direct' | 'store' = 'direct',
): Promise<ThroughputRun> {
  const shape = { totalBytes: settings.bytes, rowBytes: DEFAULT_ROW_BYTES };
  const run = await measured(service, kind, () =>
    uploadDirect(generateCsv(shape), {
      storageUrl: service.storageUrl,
      token: service.token,
      s3Endpoint: service.s3Endpoint,
      provider: service.provider,
      partBytes: settings.partBytes,
      queueSize: settings.queueSize,
      engine: kind === 'store' ? 'file-store' : 'lib-storage',
    }),
  );
  return run.figures;
}

async function runProxy(
  service: ServiceProcess,
  floor: ProxyFloor,
  settings: ThroughputSettings,
): Promise<ThroughputRun> {
  const shape = { totalBytes: settings.bytes, rowBytes: DEFAULT_ROW_BYTES };
  const run = await measured(
    service,
    'proxy',
    () =>
      sendWriteTable({
        url: floor.url,
        token: service.token,
        fields: { tableId: TABLE_ID, incremental: '0', wait: '0' },
        data: generateCsv(shape),
        dataBytes: settings.bytes,
        encoding: settings.encoding,
      }),
    floor,
  );
  const { status, body } = run.result;
  if (status !== 200 || typeof body.bytes !== 'number' || body.bytes < settings.bytes) {
    throw new Error(`proxy floor answered ${status}: ${JSON.stringify(body)}`);
  }
  return run.figures;
}

async function measured<T>(
  service: ServiceProcess,
  kind: ThroughputRun['kind'],
  work: () => Promise<T>,
  floor?: ProxyFloor,
): Promise<{ result: T; figures: ThroughputRun }> {
  const floorCpu = () =>
    floor
      ? { proxy: readCpuSeconds(floor.proxyPid), sink: readCpuSeconds(floor.sinkPid) }
      : { proxy: 0, sink: 0 };
  // Dirty pages of the previous run (S3 objects, DuckDB) are written out first, not during this one.
  execFileSync('sync');
  const floorBefore = floorCpu();
  const importerBefore = readCpuSeconds(service.pid);
  const storageBefore = readCpuSeconds(service.storagePid);
  const machineBefore = readMachineBusySeconds();
  const benchBefore = process.cpuUsage();
  const startUs = monotonicUs();
  const startedAt = performance.now();
  const result = await work();
  const ms = performance.now() - startedAt;
  const endUs = monotonicUs();
  const bench = process.cpuUsage(benchBefore);
  const importerCpuS = readCpuSeconds(service.pid) - importerBefore;
  const storageCpuS = readCpuSeconds(service.storagePid) - storageBefore;
  const floorAfter = floorCpu();
  const proxyCpuS = floorAfter.proxy - floorBefore.proxy;
  const sinkCpuS = floorAfter.sink - floorBefore.sink;
  const benchCpuS = (bench.user + bench.system) / 1e6;
  const ours =
    importerCpuS + benchCpuS + proxyCpuS + sinkCpuS + (service.storagePid === service.pid ? 0 : storageCpuS);
  return {
    result,
    figures: {
      kind,
      ms,
      importerCpuS,
      storageCpuS,
      proxyCpuS,
      sinkCpuS,
      benchCpuS,
      otherCpuS: Math.max(0, readMachineBusySeconds() - machineBefore - ours),
      startUs,
      endUs,
    },
  };
}
