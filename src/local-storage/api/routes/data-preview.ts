// `GET tables/{id}/data-preview` (contract §8.2): `rfc` CSV (header + every value quoted, `"`
// doubled, LF, trailing newline) or `json` with 16,384-character truncation; limit ≤ 1000.
// Where-filters and changedSince/changedUntil are applied (tables/row-filter.ts); ordering and fulltext
// search are not implemented and are rejected, never silently ignored.
import type { Hono } from 'hono';
import { assertBucketAccess } from '../../auth/tokens.js';
import { findTable } from '../../metadata/resource-lookup.js';
import { createParamReader, type RequestParams, readRequestParams } from '../../protocol/request-params.js';
import { StorageError } from '../../protocol/storage-error.js';
import { sendJson, validationError } from '../../protocol/storage-response.js';
import { readRowFilter } from '../../tables/row-filter.js';
import type { StorageDeps, StorageEnv } from '../storage-deps.js';

const CODE = 'storage.tables.validation';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const MAX_JSON_VALUE_CHARS = 16_384;
const UNSUPPORTED_PARAMS = ['orderBy', 'fulltextSearch'];

/** Parameters of preview and export that the stand-in does not implement: a 400, never ignored. */
export function rejectUnsupportedReadParams(raw: RequestParams): void {
  const unsupported = UNSUPPORTED_PARAMS.find((key) => raw[key] !== undefined);
  if (unsupported) {
    throw new StorageError(400, CODE, `Parameter "${unsupported}" is not supported by the local Storage.`);
  }
}

export function registerDataPreviewRoutes(app: Hono<StorageEnv>, deps: StorageDeps): void {
  app.get('/tables/:tableId/data-preview', async (c) => {
    const table = findTable(deps.metadata.state, c.req.param('tableId'));
    assertBucketAccess(c.var.token, table.bucketId, 'read');
    const raw = await readRequestParams(c);
    const params = createParamReader(raw, CODE);
    rejectUnsupportedReadParams(raw);
    // GO always sends `limit`, as 0 when unset: 0 means the default.
    const limit = params.integer('limit') || DEFAULT_LIMIT;
    if (limit > MAX_LIMIT) throw validationError(CODE, 'limit', `This value should be ${MAX_LIMIT} or less.`);
    if (limit < 0) throw validationError(CODE, 'limit', 'This value should be greater than or equal to 0.');
    const format = params.string('format') ?? 'rfc';
    if (format !== 'rfc' && format !== 'json') {
      throw validationError(CODE, 'format', 'The value you selected is not a valid choice.');
    }
    const columns = readColumnList(raw.columns, params);
    if (columns) {
      const missing = columns.filter((column) => !table.columns.includes(column));
      if (missing.length > 0) {
        throw new StorageError(
          400,
          CODE,
          `Columns ${missing.map((m) => `"${m}"`).join(', ')} not found in the table "${table.id}".`,
        );
      }
    }
    const filter = readRowFilter(raw, table.columns, deps.now());
    const preview = await deps.tableStore.preview(table.id, {
      limit,
      filter,
      ...(columns ? { columns } : {}),
    });
    if (format === 'json') return sendJson(renderJson(preview));
    return new Response(renderRfcCsv(preview), { status: 200, headers: { 'Content-Type': 'text/csv' } });
  });
}

/** `columns`: a comma list (`a,b`) or an array; undefined when none are named. */
export function readColumnList(
  value: unknown,
  params: ReturnType<typeof createParamReader>,
): string[] | undefined {
  const list = typeof value === 'string' ? value.split(',') : params.stringArray('columns');
  const columns = list?.map((column) => column.trim()).filter((column) => column !== '');
  return columns && columns.length > 0 ? columns : undefined;
}

interface Preview {
  columns: string[];
  rows: (string | null)[][];
}

export function renderRfcCsv(preview: Preview): string {
  const quote = (value: string | null) => `"${(value ?? '').replaceAll('"', '""')}"`;
  return [preview.columns, ...preview.rows].map((row) => `${row.map(quote).join(',')}\n`).join('');
}

function renderJson(preview: Preview) {
  return {
    columns: preview.columns,
    rows: preview.rows.map((row) =>
      row.map((value, index) => {
        const text = value ?? '';
        const isTruncated = text.length > MAX_JSON_VALUE_CHARS;
        return {
          columnName: preview.columns[index] ?? '',
          value: isTruncated ? text.slice(0, MAX_JSON_VALUE_CHARS) : text,
          isTruncated,
        };
      }),
    ),
  };
}
