// Peak RSS of the service process during one upload: a fresh service per size (so neither an
// earlier upload nor an earlier table load has grown the heap or DuckDB's cache), warmed up with a
// small upload, then VmRSS sampled (and VmHWM reset) from the request until the 202.
import { DEFAULT_ROW_BYTES, generateCsv, planCsv } from '../generate-csv.js';
import { readRssMiB, sampleRss } from '../proc-stats.js';
import { type ServiceOptions, startService } from '../service-process.js';
import { MIB } from '../stats.js';
import { jobIdOf, tableRowsCount, waitForJob } from '../storage-calls.js';
import { type BodyEncoding, sendWriteTable } from '../write-table-request.js';

export interface PeakRssResult {
  bytes: number;
  /** RSS of the fresh service, before any upload. */
  startMiB: number;
  /** RSS right before the upload (after the warm-up). */
  idleMiB: number;
  peakMiB: number;
  /** The highest RSS sample split into anonymous memory and mapped files (node's binary, libraries). */
  peakAnonMiB: number;
  peakFileMiB: number;
  uploadMs: number;
}

const TABLE_ID = 'in.c-bench.memory';

export async function measurePeakRss(
  serviceOptions: ServiceOptions,
  bytes: number,
  encoding: BodyEncoding,
): Promise<PeakRssResult> {
  const service = await startService(serviceOptions);
  try {
    const upload = async (size: number) => {
      const shape = { totalBytes: size, rowBytes: DEFAULT_ROW_BYTES };
      const response = await sendWriteTable({
        url: service.url,
        token: service.token,
        fields: { tableId: TABLE_ID, incremental: '0', wait: '0' },
        data: generateCsv(shape),
        dataBytes: size,
        encoding,
      });
      if (response.status !== 202 && response.status !== 200) {
        throw new Error(`write-table answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
      return { response, expectedRows: planCsv(shape).rowsCount };
    };
    const startMiB = readRssMiB(service.pid).rssMiB;
    const warm = await upload(8 * MIB);
    await waitForJob(service, jobIdOf(warm.response.body));

    const idleMiB = readRssMiB(service.pid).rssMiB;
    const sampler = sampleRss(service.pid);
    const measured = await upload(bytes);
    const { peakMiB, highest } = sampler.stop();
    await waitForJob(service, jobIdOf(measured.response.body));
    const rows = await tableRowsCount(service, TABLE_ID);
    if (rows !== measured.expectedRows)
      throw new Error(`${TABLE_ID}: ${rows} rows, expected ${measured.expectedRows}`);
    return {
      bytes,
      startMiB,
      idleMiB,
      peakMiB,
      peakAnonMiB: highest.anonMiB,
      peakFileMiB: highest.fileMiB,
      uploadMs: measured.response.ms,
    };
  } finally {
    await service.stop();
  }
}
