// JSON and NDJSON bodies on POST /write-table: records become CSV rows (nested values as JSON
// text, null as empty), the column set is fixed by the table and a sample, a late key imports nothing.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonAnswer, ndjson, writeJson } from '../support/importer-requests.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';

describe('POST /write-table with JSON and NDJSON bodies', () => {
  let service: LocalService;
  beforeAll(async () => {
    // A small sample, so that "a key first seen after the sample" needs only a few records.
    service = await startLocalService({ JSON_SAMPLE_RECORDS: '3' });
  });
  afterAll(() => service.close());

  const ok = (answer: JsonAnswer) => expect(answer.status, JSON.stringify(answer.body)).toBe(200);

  it('an array creates the table, then NDJSON appends to it, with exact rows', async () => {
    const tableId = 'in.c-json.people';
    const array = `[
      {"id": 1, "name": "Alice", "tags": ["a", "b"], "meta": {"x": 1, "y": [true, null]}, "score": 1.50, "active": true, "note": null},
      {"id": 2, "name": "Bob \\"the\\" builder, Jr.", "note": "multi\\nline", "big": 12345678901234567890}
    ]`;
    const created = await writeJson(service.url, service.token, array, { tableId, primaryKey: 'id' });
    ok(created);
    expect(created.body).toMatchObject({
      status: 'success',
      tableId,
      tableCreated: true,
      // A created table is loaded whole; GET /jobs/{id} says the same (issue 15).
      incremental: false,
      importedColumns: ['id', 'name', 'tags', 'meta', 'score', 'active', 'note', 'big'],
      totalRowsCount: 2,
      file: { name: 'people.csv.gz', compressed: true },
      job: { operationName: 'tableCreate', status: 'success' },
    });
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['id', 'name', 'tags', 'meta', 'score', 'active', 'note', 'big'],
      ['1', 'Alice', '["a","b"]', '{"x":1,"y":[true,null]}', '1.50', 'true', '', ''],
      ['2', 'Bob "the" builder, Jr.', '', '', '', '', 'multi\nline', '12345678901234567890'],
    ]);

    // The table's columns come first; a new key ("extra key" → extra_key) is appended; order of keys does not matter.
    const appended = await writeJson(
      service.url,
      service.token,
      ndjson([
        { name: 'Carol', id: 3, 'extra key': 'new' },
        { id: 4, name: 'Dan', meta: { nested: { deeper: 'ž' } } },
      ]),
      { tableId },
      { contentType: 'application/x-ndjson' },
    );
    ok(appended);
    expect(appended.body).toMatchObject({
      tableCreated: false,
      incremental: true,
      totalRowsCount: 4,
      job: { operationName: 'tableImport' },
    });
    expect(appended.body.importedColumns).toEqual([
      'id',
      'name',
      'tags',
      'meta',
      'score',
      'active',
      'note',
      'big',
      'extra_key',
    ]);
    expect(sortedRows(await service.previewRows(tableId))).toEqual([
      ['id', 'name', 'tags', 'meta', 'score', 'active', 'note', 'big', 'extra_key'],
      ['1', 'Alice', '["a","b"]', '{"x":1,"y":[true,null]}', '1.50', 'true', '', '', ''],
      ['2', 'Bob "the" builder, Jr.', '', '', '', '', 'multi\nline', '12345678901234567890', ''],
      ['3', 'Carol', '', '', '', '', '', '', 'new'],
      ['4', 'Dan', '', '{"nested":{"deeper":"ž"}}', '', '', '', '', ''],
    ]);
  });

  it('a single object is one record; incremental=0 replaces the rows', async () => {
    const tableId = 'in.c-json.single';
    ok(await writeJson(service.url, service.token, '[{"k":"a"},{"k":"b"}]', { tableId }));
    const replaced = await writeJson(service.url, service.token, '{"k": "c"}\n', {
      tableId,
      incremental: '0',
    });
    ok(replaced);
    expect(replaced.body).toMatchObject({ incremental: false, totalRowsCount: 1 });
    expect(await service.previewRows(tableId)).toEqual([['k'], ['c']]);
  });

  it('gzip-encoded NDJSON lands every row', async () => {
    const tableId = 'in.c-json.gzipped';
    const records = Array.from({ length: 2000 }, (_, i) => ({ id: i, text: `row ${i}` }));
    const answer = await writeJson(
      service.url,
      service.token,
      gzipSync(ndjson(records)),
      { tableId },
      {
        contentType: 'application/x-ndjson',
        headers: { 'Content-Encoding': 'gzip' },
      },
    );
    ok(answer);
    expect(answer.body.totalRowsCount).toBe(2000);
    // data-preview shows at most 1000 rows: each of them must be intact.
    const [header, ...rows] = await service.previewRows(tableId);
    expect(header).toEqual(['id', 'text']);
    expect(rows).toHaveLength(1000);
    for (const [id, text] of rows) expect(text).toBe(`row ${id}`);
  });

  it('records past the sample, over many chunks, land exact: big numbers, escapes, unicode, nested JSON, keys in any order', async () => {
    const tableId = 'in.c-json.tricky';
    const count = 900;
    const name = (i: number) => `Příliš "${i}" \\ 🚀 中文\t/`;
    // Keys in column order for most records, reversed or missing for some; numbers as written.
    const records = Array.from({ length: count }, (_, i) => {
      const members = [
        `"id":${i}`,
        `"big":9007199254740993${String(i).padStart(12, '0')}`,
        `"amount":${i}.${i % 10}0`,
        `"name":${JSON.stringify(name(i)).replace('P', '\\u0050')}`,
        `"nested":{"n":[1.10,-0,"\\u00e9\\"x"],"k":null}`,
        `"flag":${i % 2 === 0}`,
        `"none":null`,
      ];
      if (i % 11 === 5) members.splice(1, 1);
      if (i % 7 === 3) members.reverse();
      return `{${members.join(',')}}`;
    });
    const body = `[${records.join(',\n')}]`;
    expect(body.length).toBeGreaterThan(128 * 1024);
    ok(await writeJson(service.url, service.token, body, { tableId }));
    const [header, ...rows] = await service.previewRows(tableId);
    expect(header).toEqual(['id', 'big', 'amount', 'name', 'nested', 'flag', 'none']);
    expect(rows).toHaveLength(count);
    for (const row of rows) {
      const i = Number(row[0]);
      expect(row).toEqual([
        String(i),
        i % 11 === 5 ? '' : `9007199254740993${String(i).padStart(12, '0')}`,
        `${i}.${i % 10}0`,
        name(i),
        '{"n":[1.10,-0,"é\\"x"],"k":null}',
        String(i % 2 === 0),
        '',
      ]);
    }
  });

  it('a key first seen after the sample fails cleanly: 400 naming it, no job, no table', async () => {
    const tableId = 'in.c-json.late';
    const jobsBefore = (await service.listJobs()).length;
    const records = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5, late: 'x' }];
    const answer = await writeJson(
      service.url,
      service.token,
      ndjson(records),
      { tableId },
      {
        contentType: 'application/x-ndjson',
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'importer.unexpectedKey', key: 'late', record: 5, line: 5 });
    expect(answer.body.error).toContain('"late"');
    expect(await service.listJobs()).toHaveLength(jobsBefore);
    expect((await service.storage(`tables/${tableId}`)).status).toBe(404);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/table_importer_aborted_uploads_total\{reason="rejected"\} [1-9]/);
  });

  it('an explicit "columns" list fixes the key set from the start', async () => {
    const answer = await writeJson(service.url, service.token, '[{"id":1,"other":2}]', {
      tableId: 'in.c-json.explicit',
      columns: 'id,name',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'importer.unexpectedKey', key: 'other', record: 1 });
  });

  it.each([
    [
      'invalid JSON, with its line and record',
      '{"a":1}\n{"a":}\n',
      'application/x-ndjson',
      { line: 2, record: 2 },
    ],
    ['a record that is not an object', '[{"a":1}, 5]', 'application/json', { record: 2 }],
    ['a body cut off mid-value', '[{"a":1},{"a":', 'application/json', { record: 2 }],
    ['two top-level values in application/json', '{"a":1}\n{"a":2}', 'application/json', { line: 2 }],
  ])('%s → 400 importer.invalidJson', async (_name, body, contentType, where) => {
    const answer = await writeJson(
      service.url,
      service.token,
      body,
      { tableId: 'in.c-json.bad' },
      { contentType },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'importer.invalidJson', ...where });
  });

  it.each([
    ['an empty array', '[]'],
    ['an empty body', ''],
    ['an NDJSON body of blank lines', '\n\n'],
  ])('%s → 400 importer.emptyData', async (_name, body) => {
    const answer = await writeJson(
      service.url,
      service.token,
      body,
      { tableId: 'in.c-json.empty' },
      {
        contentType: body.startsWith('\n') ? 'application/x-ndjson' : 'application/json',
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('importer.emptyData');
  });

  it('refuses CSV dialect fields, colliding keys and broken gzip', async () => {
    const dialect = await writeJson(service.url, service.token, '[{"a":1}]', {
      tableId: 'in.c-json.dialect',
      delimiter: ';',
    });
    expect(dialect.body).toMatchObject({ code: 'importer.unknownField', field: 'delimiter' });
    const collide = await writeJson(service.url, service.token, '[{"a b":1,"a_b":2}]', {
      tableId: 'in.c-json.collide',
    });
    expect(collide.body).toMatchObject({ code: 'importer.invalidKey', key: 'a_b' });
    const gzip = await writeJson(
      service.url,
      service.token,
      'not gzip at all',
      { tableId: 'in.c-json.gz' },
      {
        headers: { 'Content-Encoding': 'gzip' },
      },
    );
    expect(gzip.body.code).toBe('importer.invalidGzip');
    const brotli = await writeJson(
      service.url,
      service.token,
      '[]',
      { tableId: 'in.c-json.br' },
      {
        headers: { 'Content-Encoding': 'br' },
      },
    );
    expect(brotli.status).toBe(415);
  });
});
