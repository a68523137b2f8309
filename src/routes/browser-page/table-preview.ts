// GET /tables/{tableId}/preview?limit=20: the first rows of a table through Storage's data-preview,
// with the caller's token; values as plain strings (null stays null). Storage's errors are relayed.
import type { Context } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import { callerSession } from '../../http/caller-session.js';
import { invalidField } from '../../http/form-field-values.js';
import type { StorageClient } from '../../storage-api/storage-client.js';
import { parseTableId } from '../write-table/write-table-fields.js';

export const DEFAULT_PREVIEW_ROWS = 20;
export const MAX_PREVIEW_ROWS = 100;

export interface TablePreviewDeps {
  storage: StorageClient;
}

export function createTablePreviewHandler(deps: TablePreviewDeps) {
  return async (c: Context<AppEnv>) => {
    const query = new URL(c.req.url).searchParams;
    const session = callerSession(c, deps.storage);
    const { tableId } = parseTableId(c.req.param('tableId') ?? '');
    const limit = readLimit(query.get('limit'));
    c.get('facts').tableId = tableId;
    const preview = await session.previewTable(tableId, limit);
    c.header('Cache-Control', 'no-store');
    return c.json({
      tableId,
      columns: preview.columns,
      rows: preview.rows.map((row) => row.map((cell) => cell.value)),
    });
  };
}

function readLimit(value: string | null): number {
  if (value === null) return DEFAULT_PREVIEW_ROWS;
  const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PREVIEW_ROWS)) {
    throw invalidField(
      'importer.invalidNumber',
      'limit',
      `limit must be a whole number from 1 to ${MAX_PREVIEW_ROWS}.`,
    );
  }
  return limit;
}
