// The local Storage stand-in's own load speed and memory (local mode, one process, provider aws):
// a CSV of N rows × 60 bytes uploaded once to the embedded S3, then import-async full loads timed
// from the POST until GET jobs answers success (polled every 10 ms), with the process's CPU
// seconds; and the peak RSS of the whole process while a large CSV goes through POST /write-table
// and its job.
import { Upload } from '@aws-sdk/lib-storage';
import { createS3ClientFor } from '../../src/file-stores/s3-client-for.js';
import { s3UploadParams } from '../../src/file-stores/s3-file-store.js';
import type { StorageJob } from '../../src/storage-api/storage-types.js';
import { CSV_HEADER, DEFAULT_ROW_BYTES, generateCsv, planCsv } from '../generate-csv.js';
import { readCpuSeconds, readMachineBusySeconds, readRssMiB, sampleRss } from '../proc-stats.js';
import { type ServiceOptions, type ServiceProcess, startService } from '../service-process.js';
import { MIB, median } from '../stats.js';
import { callStorage, jobIdOf, prepareFile, tableRowsCount, waitForJob } from '../storage-calls.js';
import { sendWriteTable } from '../write-table-request.js';

export interface LocalImportResult {
  rows: number;
  bytes: number;
  /** tables-async of the same file (primary key `id`), once. */
  createMs: number;
  /** import-async full loads (incremental=0) into that table: each run, and the medians. */
  importMs: number[];
  importMsP50: number;
  /** CPU seconds of the local-mode process (all its threads, DuckDB's included) per import. */
  importCpuSecondsP50: number;
  /** Cores busy with other processes during the imports (the machine is shared). */
  otherCores: number;
}

export interface LocalPeakRssResult {
  bytes: number;
  idleMiB: number;
  /** From the start of the upload until its import job finished. */
  peakMiB: number;
  /** The same split at the 202: the upload alone, the import job alone. */
  uploadPeakMiB: number;
  jobPeakMiB: number;
  jobMs: number;
}

const ROW_BYTES = 60;
const BUCKET = 'bench';
const TABLE_NAME = 'rows';
const TABLE_ID = `in.c-${BUCKET}.${TABLE_NAME}`;
const POLL_MS = 10;

export async function measureLocalImport(
  serviceOptions: ServiceOptions,
  rows: number,
  runs: number,
  log: (line: string) => void,
): Promise<LocalImportResult> {
  const service = await startService({ ...serviceOptions, topology: 'local', provider: 'aws' });
  try {
    const shape = { totalBytes: CSV_HEADER.length + rows * ROW_BYTES, rowBytes: ROW_BYTES };
    if (planCsv(shape).rowsCount !== rows) throw new Error(`the generated CSV does not have ${rows} rows`);
    const fileId = await uploadFile(service, shape);
    await callStorage(target(service), 'POST', 'buckets', { name: BUCKET, stage: 'in' });

    const created = await timeJob(service, 'POST', `buckets/in.c-${BUCKET}/tables-async`, {
      name: TABLE_NAME,
      dataFileId: fileId,
      primaryKey: 'id',
    });
    log(`  tables-async: ${created.ms.toFixed(0)} ms, ${created.cpuSeconds.toFixed(2)} CPU-s`);
    const importMs: number[] = [];
    const cpuSeconds: number[] = [];
    let busy = 0;
    let cpuTotal = 0;
    let wallMs = 0;
    for (let run = 0; run < runs; run++) {
      const busyBefore = readMachineBusySeconds();
      const imported = await timeJob(service, 'POST', `tables/${TABLE_ID}/import-async`, {
        dataFileId: fileId,
        incremental: 0,
      });
      busy += readMachineBusySeconds() - busyBefore;
      cpuTotal += imported.cpuSeconds;
      wallMs += imported.ms;
      importMs.push(imported.ms);
      cpuSeconds.push(imported.cpuSeconds);
      log(`  import-async full load: ${imported.ms.toFixed(0)} ms, ${imported.cpuSeconds.toFixed(2)} CPU-s`);
    }
    const count = await tableRowsCount(target(service), TABLE_ID);
    if (count !== rows) throw new Error(`${TABLE_ID}: ${count} rows, expected ${rows}`);
    return {
      rows,
      bytes: shape.totalBytes,
      createMs: created.ms,
      importMs,
      importMsP50: median(importMs),
      importCpuSecondsP50: median(cpuSeconds),
      otherCores: Math.max(0, (busy - cpuTotal) / (wallMs / 1000)),
    };
  } finally {
    await service.stop();
  }
}

/** Peak RSS of the local-mode process from a write-table upload of `bytes` until its job is done. */
export async function measureLocalPeakRss(
  serviceOptions: ServiceOptions,
  bytes: number,
): Promise<LocalPeakRssResult> {
  const service = await startService({ ...serviceOptions, topology: 'local', provider: 'aws' });
  try {
    const upload = async (size: number) => {
      const shape = { totalBytes: size, rowBytes: DEFAULT_ROW_BYTES };
      const response = await sendWriteTable({
        url: service.url,
        token: service.token,
        fields: { tableId: 'in.c-bench.memory', incremental: '0', wait: '0' },
        data: generateCsv(shape),
        dataBytes: size,
        encoding: 'multipart',
      });
      if (response.status !== 202 && response.status !== 200) {
        throw new Error(`write-table answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
      return { jobId: jobIdOf(response.body), expectedRows: planCsv(shape).rowsCount };
    };
    const warm = await upload(8 * MIB);
    await waitForJob(target(service), warm.jobId);

    const idleMiB = readRssMiB(service.pid).rssMiB;
    const uploadSampler = sampleRss(service.pid);
    const measured = await upload(bytes);
    const uploadPeakMiB = uploadSampler.stop().peakMiB;
    const jobSampler = sampleRss(service.pid);
    const jobStartedAt = performance.now();
    await waitForJob(target(service), measured.jobId);
    const jobMs = performance.now() - jobStartedAt;
    const jobPeakMiB = jobSampler.stop().peakMiB;
    const peakMiB = Math.max(uploadPeakMiB, jobPeakMiB);
    const count = await tableRowsCount(target(service), 'in.c-bench.memory');
    if (count !== measured.expectedRows) throw new Error(`${count} rows, expected ${measured.expectedRows}`);
    return { bytes, idleMiB, peakMiB, uploadPeakMiB, jobPeakMiB, jobMs };
  } finally {
    await service.stop();
  }
}

function target(service: ServiceProcess) {
  return { storageUrl: service.storageUrl, token: service.token };
}

async function uploadFile(service: ServiceProcess, shape: { totalBytes: number; rowBytes: number }) {
  const file = await prepareFile(target(service), 'rows.csv');
  const client = createS3ClientFor({ endpoint: service.s3Endpoint, forcePathStyle: true })(file);
  try {
    await new Upload({
      client,
      partSize: 16 * MIB,
      leavePartsOnError: false,
      params: { ...s3UploadParams(file), Body: generateCsv(shape) },
    }).done();
  } finally {
    client.destroy();
  }
  return file.id;
}

/** Milliseconds from the POST until the job is final (success required), and the CPU it took. */
async function timeJob(
  service: ServiceProcess,
  method: 'POST',
  path: string,
  body: Record<string, unknown>,
): Promise<{ ms: number; cpuSeconds: number }> {
  const cpuBefore = readCpuSeconds(service.pid);
  const startedAt = performance.now();
  const accepted = await callStorage<StorageJob>(target(service), method, path, body);
  for (;;) {
    const job = await callStorage<StorageJob>(target(service), 'GET', `jobs/${accepted.id}`);
    if (job.status === 'success') break;
    if (job.status === 'error') throw new Error(`job ${accepted.id} failed: ${JSON.stringify(job.error)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const ms = performance.now() - startedAt;
  return { ms, cpuSeconds: readCpuSeconds(service.pid) - cpuBefore };
}
