// Turns bench results into the readable table (figure, value, target) and the one-line
// JSON object whose keys the issue fixes. Formatting only: nothing is measured here.
import type { BenchOptions } from './options.js';
import type { ConcurrentResult } from './scenarios/concurrent.js';
import type { JsonThroughputResult } from './scenarios/json-throughput.js';
import type { LocalImportResult, LocalPeakRssResult } from './scenarios/local-import.js';
import type { PeakRssResult } from './scenarios/peak-rss.js';
import type { SmallCsvResult } from './scenarios/small-csv.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import { MIB, round } from './stats.js';

export interface BenchResults {
  throughput?: ThroughputResult;
  json?: JsonThroughputResult;
  rss?: { small: PeakRssResult; large: PeakRssResult };
  small?: SmallCsvResult;
  concurrent?: ConcurrentResult;
  localImport?: LocalImportResult;
  localRss?: LocalPeakRssResult;
  node: string;
  cpus: number;
  /** aws, azure or gcp: the file storage of the run. */
  provider: string;
  maxConcurrentUploads: number;
}

export function toJson(results: BenchResults): string {
  const { throughput, json, rss, small, concurrent, localImport, localRss } = results;
  return JSON.stringify({
    throughputRatio1GiB: throughput ? round(throughput.ratio, 3) : null,
    serviceMiBps: throughput ? round(throughput.serviceMiBps) : null,
    directMiBps: throughput ? round(throughput.directMiBps) : null,
    peakRssMiB: {
      '256MiB': rss ? round(rss.small.peakMiB) : null,
      '2GiB': rss ? round(rss.large.peakMiB) : null,
    },
    cpuSecondsPerGiB: throughput ? round(throughput.cpuSecondsPerGiB, 2) : null,
    proxyCpuSecondsPerGiB: throughput ? round(throughput.proxyCpuSecondsPerGiB, 2) : null,
    cpuRatioToProxy: throughput ? round(throughput.cpuRatioToProxy, 2) : null,
    // S3 only: the bench process's CPU per GiB uploading the same bytes directly, lib-storage's
    // Upload against the importer's own S3 store (its pooled multipart loop).
    directLibStorageCpuSecondsPerGiB:
      throughput?.storeCpuSecondsPerGiB !== undefined ? round(throughput.sdkCpuSecondsPerGiB, 2) : null,
    directFileStoreCpuSecondsPerGiB:
      throughput?.storeCpuSecondsPerGiB !== undefined ? round(throughput.storeCpuSecondsPerGiB, 2) : null,
    directFileStoreMiBps: throughput?.storeMiBps !== undefined ? round(throughput.storeMiBps) : null,
    ndjsonMBps: json ? round(json.ndjsonMBps) : null,
    jsonArrayMBps: json ? round(json.jsonArrayMBps) : null,
    jsonImporterCpuSecondsPerMB: json ? round(json.importerCpuSecondsPerMB, 4) : null,
    smallCsvMs: { p50: small ? round(small.p50Ms) : null, p95: small ? round(small.p95Ms) : null },
    concurrent64: concurrent
      ? {
          errors: concurrent.errors,
          p50Ms: round(concurrent.p50Ms),
          p99Ms: round(concurrent.p99Ms),
          MiBps: round(concurrent.MiBps),
        }
      : null,
    // Only the sizes the keys name: a --quick or --local-rows run leaves them null.
    localImport1MRowsMs: localImport?.rows === 1_000_000 ? round(localImport.importMsP50) : null,
    localImport1MRowsCpuSeconds:
      localImport?.rows === 1_000_000 ? round(localImport.importCpuSecondsP50, 2) : null,
    localPeakRssMiB1GiB: localRss?.bytes === 1024 * MIB ? round(localRss.peakMiB) : null,
    node: results.node,
    cpus: results.cpus,
    provider: results.provider,
  });
}

export function toTable(results: BenchResults, options: BenchOptions): string {
  const rows: [string, string, string][] = [];
  const mib = (bytes: number) => `${round(bytes / MIB, 0)} MiB`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const { throughput, json, rss, small, concurrent, localImport, localRss } = results;
  if (throughput) {
    const size = mib(options.throughputBytes);
    rows.push([
      `${size} via POST /write-table (wait=0)`,
      `${round(throughput.serviceMiBps)} MiB/s (${round(throughput.serviceMs / 1000, 2)} s)`,
      '',
    ]);
    rows.push([
      `${size} direct lib-storage Upload`,
      `${round(throughput.directMiBps)} MiB/s (${round(throughput.directMs / 1000, 2)} s)`,
      '',
    ]);
    rows.push([
      'time ratio service / direct (medians)',
      round(throughput.ratio, 3).toFixed(3),
      `≤ 1.10: ${verdict(throughput.ratio <= 1.1)}`,
    ]);
    rows.push([
      'service process CPU per GiB',
      `${round(throughput.cpuSecondsPerGiB, 2)} s`,
      `≤ 3 s: ${verdict(throughput.cpuSecondsPerGiB <= 3)}`,
    ]);
    rows.push([
      'proxy floor CPU per GiB (copy into parts, PUT to a sink)',
      `${round(throughput.proxyCpuSecondsPerGiB, 2)} s (sink ${round(throughput.proxySinkCpuSecondsPerGiB, 2)} s)`,
      `ours ${round(throughput.cpuRatioToProxy, 2)}× the floor`,
    ]);
    rows.push([
      '  of it: embedded S3 (its process during direct runs)',
      `${round(throughput.s3CpuSecondsPerGiB, 2)} s`,
      options.topology === 'local' ? 'same process as the importer' : 'separate process',
    ]);
    if (options.topology === 'local') {
      rows.push([
        '  of it: importer (difference)',
        `${round(throughput.cpuSecondsPerGiB - throughput.s3CpuSecondsPerGiB, 2)} s`,
        '',
      ]);
    }
    if (throughput.storeCpuSecondsPerGiB !== undefined && throughput.storeMiBps !== undefined) {
      rows.push([`${size} direct, the importer's S3 store`, `${round(throughput.storeMiBps)} MiB/s`, '']);
      rows.push([
        'client CPU per GiB (bench), lib-storage Upload vs our S3 store',
        `${round(throughput.sdkCpuSecondsPerGiB, 2)} s vs ${round(throughput.storeCpuSecondsPerGiB, 2)} s`,
        `ours ${round(throughput.storeCpuSecondsPerGiB / throughput.sdkCpuSecondsPerGiB, 2)}× lib-storage`,
      ]);
    } else {
      rows.push([
        'SDK client CPU per GiB (bench, direct runs)',
        `${round(throughput.sdkCpuSecondsPerGiB, 2)} s`,
        '',
      ]);
    }
    rows.push([
      'other processes during timed runs',
      `${round(throughput.otherCores, 2)} of ${results.cpus} cores busy`,
      throughput.otherCores > 0.2 ? 'noisy machine: timings suffer' : 'quiet machine',
    ]);
  }
  if (json) {
    rows.push([
      `NDJSON into a table (${round(json.bytes / 1e6, 0)} MB, ${json.records} records)`,
      `${round(json.ndjsonMBps)} MB/s`,
      `≥ 40 MB/s: ${verdict(json.ndjsonMBps >= 40)}`,
    ]);
    rows.push([
      'JSON array into a table (same records)',
      `${round(json.jsonArrayMBps)} MB/s`,
      `≥ 30 MB/s: ${verdict(json.jsonArrayMBps >= 30)}`,
    ]);
    rows.push([
      '  importer CPU per MB of JSON; rows read back',
      `${round(json.importerCpuSecondsPerMB * 1000, 1)} ms; ${json.rowsVerified} rows exact per format`,
      '',
    ]);
  }
  if (rss) {
    const { small: low, large: high } = rss;
    rows.push([
      `peak RSS, ${mib(low.bytes)} upload`,
      `${round(low.peakMiB)} MiB (idle ${round(low.idleMiB)})`,
      '',
    ]);
    const within = high.peakMiB <= low.peakMiB * 1.1;
    rows.push([
      `peak RSS, ${mib(high.bytes)} upload`,
      `${round(high.peakMiB)} MiB (idle ${round(high.idleMiB)})`,
      `≤ 120 MiB: ${verdict(high.peakMiB <= 120)}; within 10%: ${verdict(within)}`,
    ]);
  }
  if (small) {
    rows.push([
      `10-row CSV end to end (${small.requests} sequential)`,
      `p50 ${round(small.p50Ms)} ms, p95 ${round(small.p95Ms)} ms`,
      `p50 ≤ 40 ms: ${verdict(small.p50Ms <= 40)}`,
    ]);
    rows.push([
      '  service timings, median',
      `upload ${round(small.uploadMsP50)} ms, job ${round(small.jobMsP50)} ms`,
      small.errors > 0 ? `${small.errors} errors` : '',
    ]);
  }
  if (concurrent) {
    rows.push([
      `${concurrent.uploads} concurrent 1 MiB uploads, 8 tables`,
      `${concurrent.errors} errors, p50 ${round(concurrent.p50Ms)} ms, p99 ${round(concurrent.p99Ms)} ms`,
      `0 errors: ${verdict(concurrent.errors === 0)}`,
    ]);
    rows.push([
      '  total throughput; answers by status',
      `${round(concurrent.MiBps)} MiB/s; ${JSON.stringify(concurrent.statuses)}`,
      concurrent.missingRows > 0 ? `${concurrent.missingRows} rows missing` : 'every row present',
    ]);
    rows.push([
      '  service timings, median',
      `upload ${round(concurrent.uploadMsP50)} ms, job ${round(concurrent.jobMsP50)} ms`,
      '',
    ]);
  }
  if (localImport) {
    const size = `${localImport.rows.toLocaleString('en')} rows / ${round(localImport.bytes / 1e6, 0)} MB`;
    rows.push([
      `local stand-in: import-async full load, ${size}`,
      `median ${round(localImport.importMsP50)} ms (${localImport.importMs.map((ms) => round(ms, 0)).join(', ')})`,
      localImport.rows === 1_000_000
        ? `≤ 1500 ms (issue 14): ${verdict(localImport.importMsP50 <= 1500)}`
        : '',
    ]);
    rows.push([
      '  CPU of the local-mode process per import, median',
      `${round(localImport.importCpuSecondsP50, 2)} s`,
      `${round(localImport.otherCores, 2)} of ${results.cpus} cores busy elsewhere`,
    ]);
    rows.push([`  tables-async of the same file (PK id)`, `${round(localImport.createMs)} ms`, '']);
  }
  if (localRss) {
    rows.push([
      `local-mode process peak RSS, ${mib(localRss.bytes)} write-table + job`,
      `${round(localRss.peakMiB)} MiB (idle ${round(localRss.idleMiB)}; upload ${round(localRss.uploadPeakMiB)}, job ${round(localRss.jobPeakMiB)} in ${round(localRss.jobMs, 0)} ms)`,
      localRss.bytes === 1024 * MIB ? `≤ 1024 MiB (issue 14): ${verdict(localRss.peakMiB <= 1024)}` : '',
    ]);
  }
  const header: [string, string, string] = ['figure', 'value', 'target'];
  const widths = [0, 1, 2].map((column) =>
    Math.max(...[header, ...rows].map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(' | ')
      .trimEnd();
  return [
    `Node ${results.node}, ${results.cpus} CPUs; file provider ${results.provider}; topology ${options.topology}, runtime ${options.runtime}, ${options.encoding} bodies; UPLOAD_PART_BYTES ${mib(options.partBytes)}, UPLOAD_QUEUE_SIZE ${options.queueSize}, MAX_CONCURRENT_UPLOADS ${results.maxConcurrentUploads}`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}
