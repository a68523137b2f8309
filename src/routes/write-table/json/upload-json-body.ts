// The upload phase of write-table for JSON and NDJSON bodies: fields from the query string, the
// table looked up first (its columns lead the CSV header), a bounded sample of records fixes the
// column set, then the records stream on as a gzipped CSV into a Storage file. No job is started here.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { AppError, importerError, tableMissing } from '../../../errors.js';
import { trackPrepares } from '../../../ingest/discard-file.js';
import { createFailFast } from '../../../ingest/fail-fast.js';
import { ingestBody } from '../../../ingest/ingest-body.js';
import type { JsonBodyFormat } from '../../../ingest/json-body-type.js';
import { streamToStorageFile } from '../../../ingest/stream-to-storage-file.js';
import type { UploadedFile } from '../../../results/write-table-result.js';
import type { ImporterSettings, JsonSampleLimits } from '../../../settings.js';
import type { TableUploadDeps, TableUploadRequest, UploadedTableData } from '../table-upload.js';
import { createFieldCollector, type WriteTableOptions } from '../write-table-fields.js';
import { jsonBodyToCsv } from './json-body-to-csv.js';
import { createJsonColumns } from './json-columns.js';

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
  'encoding',
]);

export interface JsonUploadDeps extends TableUploadDeps {
  settings: TableUploadDeps['settings'] & Pick<ImporterSettings, 'json'>;
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
  const failFast = createFailFast(request.clientSignal);
  const { signal, guard } = failFast;
  return failFast.run(async () => {
    const { options, explicitColumns } = readJsonFields(request.query, deps.settings);
    request.facts.tableId = options.table.tableId;
    const session = (branchId: string | undefined, callSignal = signal) =>
      deps.storage.session({ token: request.token, branchId, runId: request.runId, signal: callSignal });
    // The table first: a bad token or a refused createTable=0 costs no body, and its columns lead the header.
    const existing = await guard(session(options.branchId).getTable(options.table.tableId));
    if (!existing && !options.createTable) throw tableMissing(options.table.tableId);

    async function convertAndUpload(stream: Readable): Promise<UploadedFile> {
      const columns = createJsonColumns({
        tableColumns: existing?.columns ?? [],
        explicitColumns,
        maxColumns: MAX_COLUMNS,
      });
      const converter = jsonBodyToCsv(decode(stream, request.gzip), {
        format: request.format,
        columns,
        sample: deps.settings.json ?? DEFAULT_JSON_SAMPLE,
        maxRecordBytes: MAX_JSON_RECORD_BYTES,
        maxBodyBytes: deps.settings.maxFileBytes,
      });
      await converter.readSample();
      const gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED });
      pipeline(Readable.from(converter.csv()), gzip).catch(() => {});
      const stored = await streamToStorageFile(gzip, deps, {
        session: trackPrepares(session(undefined, request.clientSignal), request.prepares),
        signal,
        clientSignal: request.clientSignal,
        describe: () => ({
          name: `${options.table.tableName}.csv.gz`,
          tags: request.keyed?.prepareTags(options.table, options.branchId) ?? [],
        }),
        facts: request.facts,
        onPrepared: () => request.keyed?.prepared(),
      });
      return { id: stored.file.id, name: stored.file.name, sizeBytes: stored.bytes, compressed: true };
    }

    const uploaded = await ingestBody({
      admission: request,
      encoding: 'raw',
      incoming: request.incoming,
      query: new URLSearchParams(),
      maxFileBytes: deps.settings.maxFileBytes,
      idleTimeoutMs: deps.settings.idleTimeoutMs,
      failFast,
      store: (stream) => convertAndUpload(request.keyed?.tap(stream) ?? stream),
      missingData: () => importerError('importer.emptyData', 'The request has no body.'),
    });
    return { uploaded, uploadMs: Date.now() - startedAt, options, existing };
  }, deps.drainDeadline);
}

/** write-table's fields, from the query string only, with the defaults of a JSON body. */
function readJsonFields(
  query: URLSearchParams,
  limits: JsonUploadDeps['settings'],
): { options: WriteTableOptions; explicitColumns: string[] | undefined } {
  const fields = createFieldCollector({
    maxWaitSeconds: limits.maxWaitSeconds,
    defaultWaitSeconds: limits.defaultWaitSeconds,
  });
  for (const [name, value] of query) {
    if (name === 'token') continue;
    if (CSV_ONLY_FIELDS.has(name)) {
      throw importerError(
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
      throw importerError(
        'importer.invalidGzip',
        `The body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}.`,
      );
    }
    throw err;
  }
}
