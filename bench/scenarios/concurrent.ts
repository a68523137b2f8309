// Many uploads at once: N concurrent 1 MiB CSVs spread over 8 tables (incremental, no primary
// key), each waiting for its job (200). Errors are non-200 answers plus rows missing from the
// tables afterwards; throughput is all bytes over the wall time of the whole burst.
import { csvBuffer, DEFAULT_ROW_BYTES, planCsv } from '../generate-csv.js';
import type { ServiceProcess } from '../service-process.js';
import { MIB, percentile } from '../stats.js';
import { tableRowsCount } from '../storage-calls.js';
import { type BodyEncoding, sendWriteTable } from '../write-table-request.js';

export interface ConcurrentResult {
  uploads: number;
  errors: number;
  /** Answers by HTTP status, e.g. {"200": 64}; status 0 = the request itself failed. */
  statuses: Record<string, number>;
  missingRows: number;
  p50Ms: number;
  p99Ms: number;
  MiBps: number;
  /** Medians of the service's own split: upload (body to S3) and the wait for the import job. */
  uploadMsP50: number;
  jobMsP50: number;
}

const TABLES = 8;
const UPLOAD_BYTES = MIB;

export async function measureConcurrent(
  service: ServiceProcess,
  uploads: number,
  encoding: BodyEncoding,
): Promise<ConcurrentResult> {
  const shape = { totalBytes: UPLOAD_BYTES, rowBytes: DEFAULT_ROW_BYTES };
  const data = await csvBuffer(shape);
  const rowsPerUpload = planCsv(shape).rowsCount;
  const tableId = (index: number) => `in.c-bench.concurrent_${index % TABLES}`;
  const send = (index: number) =>
    sendWriteTable({
      url: service.url,
      token: service.token,
      fields: { tableId: tableId(index), incremental: '1' },
      data,
      dataBytes: data.length,
      encoding,
    });

  // The tables exist before the burst: concurrent first uploads would race to create them.
  const expectedRows = new Map<string, number>();
  for (let index = 0; index < TABLES; index++) {
    const response = await send(index);
    if (response.status !== 200) throw new Error(`creating ${tableId(index)}: ${response.status}`);
    expectedRows.set(tableId(index), rowsPerUpload);
  }

  const startedAt = performance.now();
  const responses = await Promise.all(
    Array.from({ length: uploads }, (_, index) =>
      send(index).catch((err: unknown) => ({ status: 0, body: { error: String(err) }, ms: Number.NaN })),
    ),
  );
  const wallMs = performance.now() - startedAt;

  const statuses: Record<string, number> = {};
  responses.forEach((response, index) => {
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (response.status === 200) {
      const id = tableId(index);
      expectedRows.set(id, (expectedRows.get(id) ?? 0) + rowsPerUpload);
    }
  });
  let missingRows = 0;
  for (const [id, expected] of expectedRows) {
    missingRows += Math.abs(expected - (await tableRowsCount(service, id)));
  }
  const failed = responses.filter((response) => response.status !== 200).length;
  const latencies = responses.map((response) => response.ms).filter((ms) => !Number.isNaN(ms));
  return {
    uploads,
    errors: failed + Math.ceil(missingRows / rowsPerUpload),
    statuses,
    missingRows,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    MiBps: (uploads * UPLOAD_BYTES) / MIB / (wallMs / 1000),
    uploadMsP50: percentile(
      responses.map((response) => timingOf(response.body, 'uploadMs')),
      50,
    ),
    jobMsP50: percentile(
      responses.map((response) => timingOf(response.body, 'jobMs')),
      50,
    ),
  };
}

function timingOf(body: Record<string, unknown>, name: 'uploadMs' | 'jobMs'): number {
  const timings = body.timings as Record<string, unknown> | undefined;
  return typeof timings?.[name] === 'number' ? timings[name] : Number.NaN;
}
