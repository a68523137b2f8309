// JSON into a table: an NDJSON body and a JSON-array body of the same records through
// `POST /write-table?wait=0` (timed until the 202: parse, CSV, gzip, S3), then the load is awaited
// and up to 1000 rows are read back and compared value by value (big integers, decimals, unicode).
import { Readable } from 'node:stream';
import type { ServiceProcess } from '../service-process.js';
import { MIB, monotonicUs } from '../stats.js';
import { jobIdOf, type StorageTarget, tableRowsCount, waitForJob } from '../storage-calls.js';
import { sendJsonBody } from '../write-table-request.js';

export interface JsonThroughputResult {
  bytes: number;
  records: number;
  ndjsonMBps: number;
  jsonArrayMBps: number;
  /** Importer CPU seconds per MB (10^6 bytes) of JSON, median of the two formats. */
  importerCpuSecondsPerMB: number;
  /** Rows read back and compared exactly (per format). */
  rowsVerified: number;
  /** The timed requests, for --cpu-prof (profile-summary.ts splits samples by them). */
  runs: Array<{ kind: 'json-ndjson' | 'json-array'; startUs: number; endUs: number }>;
}

const TABLE_ID = 'in.c-bench.json';

/** Record `i`: numbers no float can hold, decimals with trailing zeros, escapes and non-BMP text. */
export function jsonRecord(i: number): string {
  return `{"id":${i},"big":${bigOf(i)},"amount":${amountOf(i)},"name":${JSON.stringify(nameOf(i))},"tags":["a",${i}],"active":${i % 2 === 0},"note":null}`;
}
/** 28 digits: a float would round it (and 2^53 + 1 leads it). */
const bigOf = (i: number) => `9007199254740993${String(i).padStart(12, '0')}`;
const amountOf = (i: number) => `${i % 100000}.${String(i % 100).padStart(2, '0')}0`;
const nameOf = (i: number) => `uživatel ${i} "q" \\ 🚀 中文`;

function expectedRow(i: number): Record<string, string> {
  return {
    id: String(i),
    big: bigOf(i),
    amount: amountOf(i),
    name: nameOf(i),
    tags: `["a",${i}]`,
    active: String(i % 2 === 0),
    note: '',
  };
}

function* ndjsonLines(records: number): Generator<Buffer> {
  let batch = '';
  for (let i = 1; i <= records; i++) {
    batch += `${jsonRecord(i)}\n`;
    if (batch.length >= 64 * 1024) {
      yield Buffer.from(batch);
      batch = '';
    }
  }
  if (batch) yield Buffer.from(batch);
}

function* arrayBody(records: number): Generator<Buffer> {
  yield Buffer.from('[');
  let batch = '';
  for (let i = 1; i <= records; i++) {
    batch += `${i > 1 ? ',\n' : ''}${jsonRecord(i)}`;
    if (batch.length >= 64 * 1024) {
      yield Buffer.from(batch);
      batch = '';
    }
  }
  yield Buffer.from(`${batch}]`);
}

function bodyBytes(parts: Iterable<Buffer>): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

export async function measureJsonThroughput(
  service: ServiceProcess,
  targetBytes: number,
  readCpu: () => number,
  log: (line: string) => void,
): Promise<JsonThroughputResult> {
  const recordBytes = jsonRecord(1).length + 1;
  const records = Math.max(1, Math.round(targetBytes / recordBytes));
  const run = async (format: 'ndjson' | 'json') => {
    const parts = () => (format === 'ndjson' ? ndjsonLines(records) : arrayBody(records));
    const bytes = bodyBytes(parts());
    const cpuBefore = readCpu();
    const startUs = monotonicUs();
    const response = await sendJsonBody({
      url: service.url,
      token: service.token,
      query: { tableId: TABLE_ID, incremental: '0', wait: '0' },
      contentType: format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      data: Readable.from(parts()),
      dataBytes: bytes,
    });
    const endUs = monotonicUs();
    const cpu = readCpu() - cpuBefore;
    if (response.status !== 202 && response.status !== 200) {
      throw new Error(
        `write-table (${format}) answered ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }
    await waitForJob(service, jobIdOf(response.body));
    const rows = await tableRowsCount(service, TABLE_ID);
    if (rows !== records)
      throw new Error(`${TABLE_ID} has ${rows} rows after ${format}, expected ${records}`);
    const verified = await verifyRows(service, records);
    const MBps = bytes / 1e6 / (response.ms / 1000);
    log(
      `  ${format.padEnd(6)} ${(bytes / MIB).toFixed(1)} MiB, ${records} records: ${(response.ms / 1000).toFixed(2)} s = ${MBps.toFixed(1)} MB/s, importer CPU ${cpu.toFixed(2)} s; ${verified} rows read back exact`,
    );
    return { bytes, MBps, cpuPerMB: cpu / (bytes / 1e6), verified, startUs, endUs };
  };
  // A small warm-up of each format: the first run pays for compiling the parser.
  await runSmall(service);
  const ndjson = await run('ndjson');
  const array = await run('json');
  return {
    bytes: ndjson.bytes,
    records,
    ndjsonMBps: ndjson.MBps,
    jsonArrayMBps: array.MBps,
    importerCpuSecondsPerMB: (ndjson.cpuPerMB + array.cpuPerMB) / 2,
    rowsVerified: Math.min(ndjson.verified, array.verified),
    runs: [
      { kind: 'json-ndjson', startUs: ndjson.startUs, endUs: ndjson.endUs },
      { kind: 'json-array', startUs: array.startUs, endUs: array.endUs },
    ],
  };
}

async function runSmall(service: ServiceProcess): Promise<void> {
  for (const contentType of ['application/x-ndjson', 'application/json']) {
    const body =
      contentType === 'application/json'
        ? Buffer.concat([...arrayBody(2000)])
        : Buffer.concat([...ndjsonLines(2000)]);
    const response = await sendJsonBody({
      url: service.url,
      token: service.token,
      query: { tableId: TABLE_ID, incremental: '0', wait: '1' },
      contentType,
      data: Readable.from([body]),
      dataBytes: body.length,
    });
    if (response.status !== 200) throw new Error(`JSON warm-up answered ${response.status}`);
  }
}

/** Reads up to 1000 rows back and compares every cell with what record `id` must give. */
async function verifyRows(target: StorageTarget, records: number): Promise<number> {
  const response = await fetch(
    `${target.storageUrl}/v2/storage/tables/${TABLE_ID}/data-preview?format=json&limit=1000`,
    { headers: { 'X-StorageApi-Token': target.token } },
  );
  if (!response.ok) throw new Error(`data-preview: ${response.status}`);
  const preview = (await response.json()) as { rows: Array<Array<{ columnName: string; value: string }>> };
  for (const row of preview.rows) {
    const cells = Object.fromEntries(row.map((cell) => [cell.columnName, cell.value]));
    const id = Number(cells.id);
    if (!Number.isInteger(id) || id < 1 || id > records) throw new Error(`row with id ${cells.id}`);
    const expected = expectedRow(id);
    for (const [column, value] of Object.entries(expected)) {
      if (cells[column] !== value) {
        throw new Error(
          `row ${id}, column ${column}: ${JSON.stringify(cells[column])} ≠ ${JSON.stringify(value)}`,
        );
      }
    }
  }
  if (preview.rows.length === 0) throw new Error('data-preview gave no rows');
  return preview.rows.length;
}
