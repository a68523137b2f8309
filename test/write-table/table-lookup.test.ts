// createTableLookup with fake fields and a fake getTable whose answers the test releases: one
// lookup per tableId/branchId, a superseded one aborted and ignored, createTable=0 failing the
// request only once the data part began, and a failed lookup failing the request.
import { describe, expect, it } from 'vitest';
import { createTableLookup } from '../../src/routes/write-table/table-lookup.js';
import type {
  FieldCollector,
  TableRef,
  WriteTableOptions,
} from '../../src/routes/write-table/write-table-fields.js';
import type { StorageTable } from '../../src/storage-api/storage-types.js';

const ref = (tableId: string) => ({ tableId }) as TableRef;
const TABLE = { id: 'in.c-a.t', name: 't', columns: ['id'] } as unknown as StorageTable;

interface PendingLookup {
  tableId: string;
  branchId: string | undefined;
  signal: AbortSignal;
  answer(table: StorageTable | null): void;
  refuse(err: Error): void;
}

function setUp(createTable = true) {
  const fields: Pick<FieldCollector, 'table' | 'branchId' | 'finish'> & {
    table: TableRef | undefined;
    branchId: string | undefined;
  } = {
    table: undefined,
    branchId: undefined,
    finish: () => ({ createTable }) as WriteTableOptions,
  };
  const lookups: PendingLookup[] = [];
  const failures: unknown[] = [];
  const lookup = createTableLookup({
    fields,
    signal: new AbortController().signal,
    fail: (err) => failures.push(err),
    getTable: (tableId, branchId, signal) =>
      new Promise((resolve, reject) =>
        lookups.push({ tableId, branchId, signal, answer: resolve, refuse: reject }),
      ),
  });
  return { fields, lookups, failures, lookup };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('table lookup', () => {
  it('starts one lookup per tableId and branchId, as soon as they are known', async () => {
    const { fields, lookups, lookup } = setUp();
    lookup.refresh();
    expect(lookups).toHaveLength(0);
    fields.table = ref('in.c-a.t');
    lookup.refresh();
    lookup.refresh();
    expect(lookups.map((l) => [l.tableId, l.branchId])).toEqual([['in.c-a.t', undefined]]);
    fields.branchId = '123';
    lookup.refresh();
    expect(lookups.map((l) => [l.tableId, l.branchId])).toEqual([
      ['in.c-a.t', undefined],
      ['in.c-a.t', '123'],
    ]);
    lookups[1]?.answer(TABLE);
    await expect(lookup.result()).resolves.toBe(TABLE);
  });

  it('aborts a superseded lookup and ignores what it answers, failure included', async () => {
    const { fields, lookups, failures, lookup } = setUp();
    fields.table = ref('in.c-a.old');
    lookup.refresh();
    fields.table = ref('in.c-a.t');
    lookup.refresh();
    expect(lookups[0]?.signal.aborted).toBe(true);
    expect(lookups[1]?.signal.aborted).toBe(false);
    lookups[0]?.refuse(new Error('aborted'));
    lookups[1]?.answer(TABLE);
    await expect(lookup.result()).resolves.toBe(TABLE);
    await settled();
    expect(failures).toEqual([]);
  });

  it('a failed current lookup fails the request', async () => {
    const { fields, lookups, failures, lookup } = setUp();
    fields.table = ref('in.c-a.t');
    lookup.refresh();
    const refused = new Error('token invalid');
    lookups[0]?.refuse(refused);
    await expect(lookup.result()).rejects.toBe(refused);
    expect(failures).toEqual([refused]);
  });

  it('createTable=0 and no such table: fails once the data part began, not before', async () => {
    const { fields, lookups, failures, lookup } = setUp(false);
    fields.table = ref('in.c-a.absent');
    lookup.refresh();
    lookups[0]?.answer(null);
    await settled();
    expect(failures).toEqual([]);
    lookup.dataStarted();
    expect(failures).toEqual([expect.objectContaining({ status: 404, code: 'storage.tables.notFound' })]);
  });

  it('createTable=0: a lookup answering after the data began fails the request then', async () => {
    const { fields, lookups, failures, lookup } = setUp(false);
    fields.table = ref('in.c-a.absent');
    lookup.refresh();
    lookup.dataStarted();
    expect(failures).toEqual([]);
    lookups[0]?.answer(null);
    await settled();
    expect(failures).toEqual([expect.objectContaining({ code: 'storage.tables.notFound' })]);
  });

  it('a missing table is no failure when it may be created', async () => {
    const { fields, lookups, failures, lookup } = setUp(true);
    fields.table = ref('in.c-a.new');
    lookup.refresh();
    lookup.dataStarted();
    lookups[0]?.answer(null);
    await expect(lookup.result()).resolves.toBeNull();
    expect(failures).toEqual([]);
  });

  it('result() without a tableId is a programming error', () => {
    expect(() => setUp().lookup.result()).toThrow(/no tableId/);
  });
});
