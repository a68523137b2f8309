// Latency of a 10-row CSV end to end: `POST /write-table` waiting for the import job (200), sent
// one after another so each figure is a lone request's latency, not a queue's.
import { CSV_HEADER, csvBuffer } from '../generate-csv.js';
import type { ServiceProcess } from '../service-process.js';
import { monotonicUs, percentile } from '../stats.js';
import { type BodyEncoding, sendWriteTable } from '../write-table-request.js';

export interface SmallCsvResult {
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  /** The service's own split of the median request (from its `timings`). */
  uploadMsP50: number;
  jobMsP50: number;
  /** CLOCK_MONOTONIC µs around the measured requests (for profile-summary.ts). */
  startUs: number;
  endUs: number;
}

const TABLE_ID = 'in.c-bench.small';
const ROWS = 10;
const ROW_BYTES = 40;
const WARM_UP_REQUESTS = 5;

/** Sends the bench's 10-row CSV to `service` (a full load of in.c-bench.small), waiting for its job. */
export async function smallCsvSender(
  service: Pick<ServiceProcess, 'url' | 'token'>,
  encoding: BodyEncoding,
): Promise<() => ReturnType<typeof sendWriteTable>> {
  const data = await csvBuffer({ totalBytes: CSV_HEADER.length + ROWS * ROW_BYTES, rowBytes: ROW_BYTES });
  return () =>
    sendWriteTable({
      url: service.url,
      token: service.token,
      fields: { tableId: TABLE_ID, incremental: '0' },
      data,
      dataBytes: data.length,
      encoding,
    });
}

export async function measureSmallCsv(
  service: ServiceProcess,
  requests: number,
  encoding: BodyEncoding,
): Promise<SmallCsvResult> {
  const send = await smallCsvSender(service, encoding);
  for (let i = 0; i < WARM_UP_REQUESTS; i++) await send();

  const latencies: number[] = [];
  const uploadMs: number[] = [];
  const jobMs: number[] = [];
  let errors = 0;
  const startUs = monotonicUs();
  for (let i = 0; i < requests; i++) {
    const response = await send();
    latencies.push(response.ms);
    const timings = response.body.timings as { uploadMs?: number; jobMs?: number } | undefined;
    if (response.status !== 200 || response.body.totalRowsCount !== ROWS) errors++;
    uploadMs.push(timings?.uploadMs ?? Number.NaN);
    jobMs.push(timings?.jobMs ?? Number.NaN);
  }
  const endUs = monotonicUs();
  return {
    startUs,
    endUs,
    requests,
    errors,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    uploadMsP50: percentile(uploadMs, 50),
    jobMsP50: percentile(jobMs, 50),
  };
}
