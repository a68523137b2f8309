// The upload phase of write-table for CSV bodies (multipart or raw): fields validated as they
// arrive, the table looked up in parallel, the `data` part streamed as it is into a Storage file
// named after the table (`.csv.gz` when its first bytes are gzip). No job is started here.
import type { Readable } from 'node:stream';
import { importerError } from '../../errors.js';
import { isGzip } from '../../ingest/byte-counter.js';
import { type CsvPrefix, prefixText, prepareCsvInput } from '../../ingest/csv-input.js';
import { chooseDelimiter } from '../../ingest/detect-delimiter.js';
import { trackPrepares } from '../../ingest/discard-file.js';
import { createFailFast } from '../../ingest/fail-fast.js';
import { ingestBody } from '../../ingest/ingest-body.js';
import type { BodyEncoding } from '../../ingest/receive-body.js';
import { streamToStorageFile } from '../../ingest/stream-to-storage-file.js';
import { parseEncodingField } from '../../ingest/transcode.js';
import { delimiterDetected, type ImporterWarning } from '../../results/warnings.js';
import type { UploadedFile } from '../../results/write-table-result.js';
import { IDEMPOTENCY_FIELD } from './idempotency/idempotency-key.js';
import { createTableLookup } from './table-lookup.js';
import type { TableUploadDeps, TableUploadRequest, UploadedTableData } from './table-upload.js';
import { createFieldCollector } from './write-table-fields.js';

export async function uploadCsvBody(
  deps: TableUploadDeps,
  request: TableUploadRequest & { encoding: BodyEncoding },
): Promise<UploadedTableData> {
  const startedAt = Date.now();
  const failFast = createFailFast(request.clientSignal);
  return failFast.run(async () => {
    const fields = createFieldCollector(deps.settings);
    const session = (branchId: string | undefined, signal = failFast.signal) =>
      deps.storage.session({ token: request.token, branchId, runId: request.runId, signal });
    const lookup = createTableLookup({
      fields,
      getTable: (tableId, branchId, signal) => session(branchId, signal).getTable(tableId),
      signal: failFast.signal,
      fail: failFast.fail,
    });

    let prefix: Promise<CsvPrefix> | undefined;
    let encodingUsed: string | undefined;
    let dataStarted = false;

    /** `wait` from the fields so far (the default while they are incomplete or invalid). */
    function waitSeconds(): number {
      try {
        return fields.finish().waitSeconds;
      } catch {
        return deps.settings.defaultWaitSeconds;
      }
    }

    /** The `data` stream into a Storage file named after the table as known when the bytes start. */
    async function storeCsv(stream: Readable): Promise<UploadedFile> {
      let compressed = false;
      // `encoding` counts only when sent before the data (multipart) or in the query (raw).
      encodingUsed = parseEncodingField(fields.sent('encoding') ?? 'utf-8');
      const input = await prepareCsvInput(stream, { encoding: encodingUsed });
      prefix = input.prefix;
      const stored = await streamToStorageFile(request.keyed?.tap(input.stream) ?? input.stream, deps, {
        // A prepare already sent runs to its end even if the request fails meanwhile: its file is
        // then deleted (discard-file.ts) instead of left behind.
        session: trackPrepares(session(undefined, request.clientSignal), request.prepares),
        signal: failFast.signal,
        clientSignal: request.clientSignal,
        describe(head) {
          if (head.length === 0) {
            throw importerError(
              'importer.emptyData',
              'The "data" file is empty: send at least a header row.',
            );
          }
          compressed = isGzip(head);
          return {
            name: `${fields.table?.tableName ?? 'data'}.csv${compressed ? '.gz' : ''}`,
            tags: request.keyed?.prepareTags(fields.table, fields.branchId) ?? [],
          };
        },
        facts: request.facts,
        onPrepared: () => request.keyed?.prepared(),
      });
      return { id: stored.file.id, name: stored.file.name, sizeBytes: stored.bytes, compressed };
    }

    const uploaded = await ingestBody({
      admission: request,
      encoding: request.encoding,
      incoming: request.incoming,
      query: request.query,
      maxFileBytes: deps.settings.maxFileBytes,
      idleTimeoutMs: deps.settings.idleTimeoutMs,
      failFast,
      onField(name, value) {
        if (name === IDEMPOTENCY_FIELD && request.keyed) {
          request.keyed.formField(value, dataStarted);
          return;
        }
        fields.add(name, value);
        if (name === 'tableId' || name === 'branchId') lookup.refresh();
        if (name === 'tableId') request.facts.tableId = value;
      },
      store(stream) {
        lookup.dataStarted();
        dataStarted = true;
        // With a key, an earlier request's job may answer this one: then the data is never read.
        const replayCheck = request.keyed?.checkAtData(
          { tableId: fields.table?.tableId, branchId: fields.branchId, waitSeconds: waitSeconds() },
          failFast.signal,
        );
        return replayCheck ? replayCheck.then(() => storeCsv(stream)) : storeCsv(stream);
      },
      missingData: () =>
        importerError(
          'importer.missingData',
          'The request has no "data" part: send the CSV as -F data=@file.csv.',
        ),
    });
    const uploadMs = Date.now() - startedAt;
    const options = fields.finish();
    if (options.encoding !== encodingUsed) {
      throw importerError(
        'importer.fieldAfterData',
        'Field "encoding" came after the "data" part: send it before the file (or in the query string).',
        { field: 'encoding' },
      );
    }
    const existing = await failFast.guard(lookup.result());
    const known = prefix && (await prefix);
    const chosen = chooseDelimiter(options, known && { text: prefixText(known), complete: known.complete });
    const warnings: ImporterWarning[] = chosen.detected ? [delimiterDetected(chosen.delimiter)] : [];
    return {
      uploaded,
      uploadMs,
      options: { ...options, delimiter: chosen.delimiter },
      existing,
      warnings,
      delimiter: chosen.delimiter,
    };
  }, deps.drainDeadline);
}
