// The table lookup of a write-table request, started as soon as `tableId` is known and run in
// parallel with the upload, so a bad token, an unknown branch or a refused createTable=0 fails the
// request before the body ends. Only the lookup for the latest tableId/branchId counts: one that a
// later field superseded is aborted, and whatever it answers is ignored.
import { tableMissing } from '../../errors.js';
import type { StorageTable } from '../../storage-api/storage-types.js';
import type { FieldCollector } from './write-table-fields.js';

export interface TableLookup {
  /** `tableId` or `branchId` arrived: look up the table they now name (nothing when unchanged). */
  refresh(): void;
  /**
   * The `data` part began, so the fields sent before it are in: from now on a missing table with
   * createTable=0 fails the request as soon as the lookup says so.
   */
  dataStarted(): void;
  /** The answer of the lookup for the fields as they are now (null: no such table). */
  result(): Promise<StorageTable | null>;
}

interface Lookup {
  tableId: string;
  branchId: string | undefined;
  superseded: AbortController;
  result: Promise<StorageTable | null>;
  /** undefined until the lookup answered. */
  found?: StorageTable | null;
}

export function createTableLookup(deps: {
  fields: Pick<FieldCollector, 'table' | 'branchId' | 'finish'>;
  getTable(tableId: string, branchId: string | undefined, signal: AbortSignal): Promise<StorageTable | null>;
  /** The request's fail-fast signal. */
  signal: AbortSignal;
  fail(err: unknown): void;
}): TableLookup {
  const { fields } = deps;
  let current: Lookup | undefined;
  let dataBegun = false;

  const createTableRefused = () => {
    try {
      return fields.finish().createTable === false;
    } catch {
      // The fields are not complete or not consistent yet: that error comes at the end.
      return false;
    }
  };
  const failIfMissing = (lookup: Lookup) => {
    if (lookup === current && lookup.found === null && dataBegun && createTableRefused()) {
      deps.fail(tableMissing(lookup.tableId));
    }
  };

  const refresh = () => {
    const table = fields.table;
    if (!table) return;
    if (current?.tableId === table.tableId && current.branchId === fields.branchId) return;
    current?.superseded.abort();
    const superseded = new AbortController();
    const signal = AbortSignal.any([deps.signal, superseded.signal]);
    const lookup: Lookup = {
      tableId: table.tableId,
      branchId: fields.branchId,
      superseded,
      result: deps.getTable(table.tableId, fields.branchId, signal),
    };
    current = lookup;
    lookup.result.then(
      (found) => {
        lookup.found = found;
        failIfMissing(lookup);
      },
      (err: unknown) => {
        if (lookup === current) deps.fail(err);
      },
    );
  };

  return {
    refresh,
    dataStarted() {
      dataBegun = true;
      if (current) failIfMissing(current);
    },
    result() {
      refresh();
      if (!current) throw new Error('table lookup: no tableId yet');
      return current.result;
    },
  };
}
