// The upload phase of write-table for JSON and NDJSON bodies: fields from the query string, the
// table looked up first (its columns lead the CSV header), a bounded sample of records fixes the
// column set, then the records stream on as a gzipped CSV into a Storage file. No job is started here.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { AppError, tableMissing } from '../../errors.js';
import { createFailFast } from '../../http/fail-fast.js';
import { streamToStorageFile } from '../../uploads/stream-to-storage-file.js';
import { receiveBody } from '../receive-body.js';
import type { TableUploadDeps, TableUploadRequest, UploadedTableData } from '../table-upload.js';
import { createFieldCollector, type WriteTableOptions } from '../write-table-fields.js';
import type { UploadedFile } from '../write-table-result.js';
import { createJsonColumns } from './json-columns.js';
import { type JsonBodyFormat, type JsonRecord, readJsonRecords } from './read-json-records.js';
import { writeCsvRows } from './write-csv-rows.js';

export interface JsonSampleLimits {
  /** The column set is fixed after this many records… */
  sampleRecords: number;
  /** …or after this many decoded body bytes, whichever comes first. */
  sampleBytes: number;
}

const DEFAULT_JSON_SAMPLE: JsonSampleLimits = { sampleRecords: 1000, sampleBytes: 8 * 1024 * 1024 };
/** One record is held in memory whole while it is parsed. */
const MAX_JSON_RECORD_BYTES = 16 * 1024 * 1024;
const MAX_COLUMNS = 5000;
/** CSV dialect fields describe a CSV body; a JSON body becomes a CSV the importer writes itself. */
const CSV_ONLY_FIELDS = new Set([
  'delimiter',
  'enclosure',
  'escapedBy',
  'withoutHeaders',
  'ignoredLinesCount',
]);

export interface JsonUploadDeps extends TableUploadDeps {
  json?: JsonSampleLimits;
}

export interface JsonUploadRequest extends TableUploadRequest {
  format: JsonBodyFormat;
  gzip: boolean;
}

export async function uploadJsonBody(
  deps: JsonUploadDeps,
  request: JsonUploadRequest,
): Promise<UploadedTableData> {
  const startedAt = Date.now();
  const { signal, fail, guard, run } = createFailFast(request.clientSignal);
  return run(async () => {
    const { options, explicitColumns } = readJsonFields(request.query, deps.limits);
    request.facts.tableId = options.table.tableId;
    const session = (branchId: string | undefined) =>
      deps.storage.session({ token: request.token, branchId, runId: request.runId, signal });
    // The table first: a bad token or a refused createTable=0 costs no body, and its columns lead the header.
    const existing = await guard(session(options.branchId).getTable(options.table.tableId));
    if (!existing && !options.createTable) throw tableMissing(options.table.tableId);

    let upload: Promise<UploadedFile> | undefined;
    const body = receiveBody({
      admission: request,
      encoding: 'raw',
      incoming: request.incoming,
      query: new URLSearchParams(),
      maxFileBytes: deps.limits.maxFileBytes,
      idleTimeoutMs: deps.limits.idleTimeoutMs,
      signal,
      onField() {},
      onData(stream) {
        upload = convertAndUpload(stream);
        upload.catch(fail);
      },
    });

    async function convertAndUpload(stream: Readable): Promise<UploadedFile> {
      const reader = readJsonRecords(decode(stream, request.gzip), {
        format: request.format,
        maxRecordBytes: MAX_JSON_RECORD_BYTES,
        maxBodyBytes: deps.limits.maxFileBytes,
      });
      const batches = reader.batches();
      const columns = createJsonColumns({
        tableColumns: existing?.columns ?? [],
        explicitColumns,
        maxColumns: MAX_COLUMNS,
      });
      const sample = deps.json ?? DEFAULT_JSON_SAMPLE;
      const sampleRows: Array<Array<string | undefined>> = [];
      /** The rest of the batch in which the sample filled up. */
      let afterSample: JsonRecord[] = [];
      sampling: while (sampleRows.length < sample.sampleRecords && reader.bytesRead < sample.sampleBytes) {
        const next = await batches.next();
        if (next.done) break;
        for (let at = 0; at < next.value.length; at += 1) {
          if (sampleRows.length >= sample.sampleRecords) {
            afterSample = next.value.slice(at);
            break sampling;
          }
          sampleRows.push(columns.toRow(next.value[at] as JsonRecord));
        }
      }
      columns.freeze();
      if (sampleRows.length === 0) {
        throw new AppError(
          400,
          'importer.emptyData',
          'The JSON body has no records: send at least one object.',
        );
      }
      if (columns.names.length === 0) {
        throw new AppError(
          400,
          'importer.emptyData',
          'The JSON records have no keys, so there are no columns to create the table from.',
        );
      }
      const gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED });
      pipeline(Readable.from(writeCsvRows(columns, sampleRows, afterSample, batches)), gzip).catch(() => {});
      const stored = await streamToStorageFile(gzip, deps, {
        session: session(undefined),
        signal,
        clientSignal: request.clientSignal,
        describe: () => ({ name: `${options.table.tableName}.csv.gz` }),
        onPrepared: (file) => {
          request.facts.fileId = file.id;
        },
      });
      request.facts.bytes = stored.bytes;
      return { id: stored.file.id, name: stored.file.name, sizeBytes: stored.bytes, compressed: true };
    }

    await guard(body);
    if (!upload) throw new AppError(400, 'importer.emptyData', 'The request has no body.');
    const uploaded = await guard(upload);
    return { uploaded, uploadMs: Date.now() - startedAt, options, existing };
  }, deps.drainDeadline);
}

/** write-table's fields, from the query string only, with the defaults of a JSON body. */
function readJsonFields(
  query: URLSearchParams,
  limits: JsonUploadDeps['limits'],
): { options: WriteTableOptions; explicitColumns: string[] | undefined } {
  const fields = createFieldCollector({
    maxWaitSeconds: limits.maxWaitSeconds,
    defaultWaitSeconds: limits.defaultWaitSeconds,
  });
  for (const [name, value] of query) {
    if (name === 'token') continue;
    if (CSV_ONLY_FIELDS.has(name)) {
      throw new AppError(
        400,
        'importer.unknownField',
        `Field "${name}" describes a CSV body; a JSON body is converted to CSV by the importer.`,
        { field: name },
      );
    }
    fields.add(name, value);
  }
  const options = fields.finish();
  const jsonOptions: WriteTableOptions = {
    ...options,
    // Each webhook call appends, unless the caller asks for a full load.
    incremental: query.has('incremental') ? options.incremental : true,
    // The generated CSV has a header and the default dialect; `columns` only fixed its key set.
    columns: undefined,
    delimiter: ',',
    enclosure: '"',
    escapedBy: '',
    withoutHeaders: false,
    ignoredLinesCount: 0,
  };
  return { options: jsonOptions, explicitColumns: options.columns };
}

async function* decode(stream: Readable, gzip: boolean): AsyncGenerator<Buffer> {
  let source: Readable = stream;
  if (gzip) {
    const gunzip = createGunzip();
    // A failure of the body (stalled client, disconnect) reaches the gunzip stream and ends the loop.
    pipeline(stream, gunzip).catch(() => {});
    source = gunzip;
  }
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new AppError(
        400,
        'importer.invalidGzip',
        `The body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}.`,
      );
    }
    throw err;
  }
}
