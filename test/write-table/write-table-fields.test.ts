import { describe, expect, it } from 'vitest';
import { createFieldCollector, parseTableId } from '../../src/routes/write-table/write-table-fields.js';

const collect = (fields: Array<[string, string]>) => {
  const collector = createFieldCollector({ maxWaitSeconds: 3600, defaultWaitSeconds: 1800 });
  for (const [name, value] of fields) collector.add(name, value);
  return collector.finish();
};

describe('write-table fields', () => {
  it('applies the documented defaults', () => {
    expect(collect([['tableId', 'in.c-main.users']])).toEqual({
      table: {
        tableId: 'in.c-main.users',
        bucketId: 'in.c-main',
        stage: 'in',
        bucketName: 'main',
        tableName: 'users',
      },
      incremental: false,
      delimiter: ',',
      delimiterSent: false,
      encoding: undefined,
      format: undefined,
      enclosure: '"',
      escapedBy: '',
      columns: undefined,
      withoutHeaders: false,
      ignoredLinesCount: 0,
      treatValuesAsNull: undefined,
      createTable: true,
      primaryKey: undefined,
      branchId: undefined,
      waitSeconds: 1800,
    });
  });

  it('reads every columns form into one list', () => {
    expect(
      collect([
        ['tableId', 'out.c-x.y'],
        ['columns[]', 'a'],
        ['columns[1]', 'b'],
        ['columns', 'c, d'],
      ]).columns,
    ).toEqual(['a', 'b', 'c', 'd']);
  });

  it('maps \\t and tab to TAB, escapedBy alone clears the enclosure', () => {
    expect(
      collect([
        ['tableId', 'in.c-a.b'],
        ['delimiter', '\\t'],
      ]).delimiter,
    ).toBe('\t');
    expect(
      collect([
        ['tableId', 'in.c-a.b'],
        ['delimiter', 'tab'],
      ]).delimiter,
    ).toBe('\t');
    const escaped = collect([
      ['tableId', 'in.c-a.b'],
      ['escapedBy', '\\'],
    ]);
    expect([escaped.enclosure, escaped.escapedBy]).toEqual(['', '\\']);
    expect(
      collect([
        ['tableId', 'in.c-a.b'],
        ['enclosure', ''],
      ]).enclosure,
    ).toBe('');
  });

  it('parses booleans, numbers, branch and primary key', () => {
    const options = collect([
      ['tableId', 'in.c-a.b'],
      ['incremental', 'TRUE'],
      ['createTable', '0'],
      ['withoutHeaders', '1'],
      ['wait', '0'],
      ['ignoredLinesCount', '3'],
      ['primaryKey', ' id , sub_id '],
      ['branchId', '123'],
    ]);
    expect(options).toMatchObject({
      incremental: true,
      createTable: false,
      withoutHeaders: true,
      waitSeconds: 0,
      ignoredLinesCount: 3,
      primaryKey: 'id,sub_id',
      branchId: '123',
    });
    expect(
      collect([
        ['tableId', 'in.c-a.b'],
        ['branchId', 'default'],
      ]).branchId,
    ).toBeUndefined();
  });

  it.each([
    ['in.main.users'],
    ['sys.c-a.b'],
    ['in.c-a.b.c'],
    ['in.c-a.b c'],
    ['in.c-.b'],
    [`in.c-a.${'x'.repeat(97)}`],
  ])('rejects table id %s', (tableId) => {
    expect(() => parseTableId(tableId)).toThrow(
      expect.objectContaining({ code: 'importer.invalidTableId', status: 400 }),
    );
  });

  it('rejects a wait above the configured maximum', () => {
    expect(() =>
      collect([
        ['tableId', 'in.c-a.b'],
        ['wait', '3601'],
      ]),
    ).toThrow(expect.objectContaining({ code: 'importer.invalidNumber' }));
  });
});
