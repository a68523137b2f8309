// CSV dialects and malformed files end to end (file → DuckDB → preview), contract §9.1/§9.6:
// BOM, gzip, CRLF, multi-line and doubled quotes, no enclosure, escapedBy, TAB, load errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CsvLoadOptions } from '../../src/local-storage/tables/table-types.js';
import { defaultLoadOptions, openStoreFixture, type StoreFixture } from './table-store-fixture.js';

const TABLE = 'in.c-main.dialects';
let f: StoreFixture;
beforeEach(async () => {
  f = await openStoreFixture();
});
afterEach(async () => {
  await f.close();
});

async function load(
  content: string | Buffer,
  options: Partial<CsvLoadOptions> = {},
  gzip = false,
): Promise<{ columns: string[]; rows: string[][] }> {
  const created = await f.store.createTable(TABLE, await f.file(content, { gzip }), {
    ...defaultLoadOptions,
    primaryKey: [],
    ...options,
  });
  return { columns: created.columns, rows: await f.rows(TABLE) };
}

describe('TableStore CSV dialects', () => {
  it('strips a UTF-8 BOM', async () => {
    expect(await load('\uFEFF1,a\n', { columns: ['id', 'name'] })).toEqual({
      columns: ['id', 'name'],
      rows: [['1', 'a']],
    });
  });

  it('decompresses gzip, also with a BOM, CRLF and multi-line values inside', async () => {
    expect(await load('\uFEFF"id","text"\r\n"1","two\r\nlines"\r\n', {}, true)).toEqual({
      columns: ['id', 'text'],
      rows: [['1', 'two\r\nlines']],
    });
  });

  it('fails with a load error when a .gz file is not gzip', async () => {
    await expect(
      f.store.createTable(
        TABLE,
        { ...(await f.file('id\n1\n')), gzip: true },
        { ...defaultLoadOptions, primaryKey: [] },
      ),
    ).rejects.toMatchObject({
      status: 400,
      code: 'csvImport.invalidData',
      message: expect.stringMatching(/^Load error: /),
    });
  });

  it('reads CRLF line ends without leaving CR in values', async () => {
    expect((await load('id,name\r\n1,a\r\n2,"b"\r\n3,\r\n')).rows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', ''],
    ]);
  });

  it('keeps multi-line values, doubled quotes, delimiters, tabs and backslashes inside quotes', async () => {
    const content = 'id,text\n1,"line 1\nline 2"\n2,"say ""hi"""\n3,"a,b\tc"\n4,"back\\slash \\n"\n5,""""\n';
    expect((await load(content)).rows).toEqual([
      ['1', 'line 1\nline 2'],
      ['2', 'say "hi"'],
      ['3', 'a,b\tc'],
      ['4', 'back\\slash \\n'],
      ['5', '"'],
    ]);
  });

  it('stores quoted and unquoted empty values as empty strings, and keeps surrounding spaces', async () => {
    expect((await load('a,b,c\n,"", x \n')).rows).toEqual([['', '', ' x ']]);
  });

  it('takes the last field of a row ending with a delimiter as empty', async () => {
    expect((await load('a,b,c\n1,2,\n')).rows).toEqual([['1', '2', '']]);
  });

  it('treats enclosure characters literally when the enclosure is empty', async () => {
    const rows = (await load('id|name\n1|"quoted"\n2|it\'s\n', { delimiter: '|', enclosure: '' })).rows;
    expect(rows).toEqual([
      ['1', '"quoted"'],
      ['2', "it's"],
    ]);
  });

  it('reads a single-quote enclosure', async () => {
    expect((await load("id;name\n'1';'it''s; \"x\"'\n", { delimiter: ';', enclosure: "'" })).rows).toEqual([
      ['1', 'it\'s; "x"'],
    ]);
  });

  it('applies escapedBy in files without enclosure (TAB delimiter)', async () => {
    const content =
      'id\ttext\n1\tnew\\nline\n2\ttab\\there\n3\tback\\\\slash\n4\tescaped\\\tdelimiter\n5\tother\\q\\"\n6\tbreak\\\nhere\n';
    expect((await load(content, { delimiter: '\t', enclosure: '', escapedBy: '\\' })).rows).toEqual([
      ['1', 'new\nline'],
      ['2', 'tab\there'],
      ['3', 'back\\slash'],
      ['4', 'escaped\tdelimiter'],
      ['5', 'otherq"'],
      ['6', 'break\nhere'],
    ]);
  });

  it('reads a TAB delimiter with quoted values', async () => {
    expect((await load('id\tname\n1\t"a\tb"\n', { delimiter: '\t' })).rows).toEqual([['1', 'a\tb']]);
  });

  it('stores treatValuesAsNull matches as empty strings', async () => {
    expect(
      (await load('id,name\n1,NULL\n2,"NULL"\n3,NULLx\n', { treatValuesAsNull: ['NULL'] })).rows,
    ).toEqual([
      ['1', ''],
      ['2', ''],
      ['3', 'NULLx'],
    ]);
  });

  it('refuses treatValuesAsNull with more than one element', async () => {
    await expect(load('id\n1\n', { treatValuesAsNull: ['', 'NULL'] })).rejects.toMatchObject({
      status: 400,
      code: 'storage.tables.validation',
    });
  });

  it('loads a row with a value of several megabytes', async () => {
    const big = 'x'.repeat(5_000_000);
    const { rows } = await load(`id,blob\n1,"${big}"\n`);
    expect(rows[0]?.[1]?.length).toBe(5_000_000);
  });

  describe('load errors', () => {
    it.each([
      ['too many fields', 'id,name\n1,a\n2,b,c\n', 'line 3: expected 2 fields, found 3.'],
      ['too few fields', 'id,name\n1,a\n2\n', 'line 3: expected 2 fields, found 1.'],
      ['a blank line', 'id,name\n1,a\n\n2,b\n', 'line 3: expected 2 fields, found 1.'],
      [
        'a ragged row after a multi-line value',
        'id,name\n1,"a\nb"\n2,b,c\n',
        'line 4: expected 2 fields, found 3.',
      ],
    ])('reports %s with the line number', async (_case, content, detail) => {
      await expect(load(content)).rejects.toMatchObject({
        status: 400,
        code: 'csvImport.invalidData',
        message: `Load error: ${detail} Please check if the expected delimiter "," is used in the csv file.`,
      });
    });

    it('reports an unterminated enclosure with the line it starts on', async () => {
      await expect(load('id,name\n1,a\n2,"open\nstill open\n')).rejects.toMatchObject({
        code: 'csvImport.invalidData',
        message:
          'Load error: line 3: unterminated enclosure: the value enclosed in " starting on this line never ends.',
      });
    });

    it('reports data after a closing enclosure', async () => {
      await expect(load('id,name\n1,"a"b\n')).rejects.toMatchObject({
        code: 'csvImport.invalidData',
        message:
          'Load error: line 2: found "b" after the closing enclosure "; expected the delimiter "," or a line break.',
      });
    });

    it('reports invalid UTF-8', async () => {
      const content = Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from([0xff]), Buffer.from('\n')]);
      await expect(load(content)).rejects.toMatchObject({
        code: 'csvImport.invalidData',
        message: 'Load error: line 2: the file is not valid UTF-8.',
      });
    });

    it('reports a dangling escape character at the end of the file', async () => {
      await expect(load('id\nx\\', { enclosure: '', escapedBy: '\\' })).rejects.toMatchObject({
        code: 'csvImport.invalidData',
        message: expect.stringMatching(/^Load error: line 2: /),
      });
    });
  });

  it('blank lines are values of a one-column table', async () => {
    expect((await load('id\n1\n\n2\n')).rows).toEqual([['1'], [''], ['2']]);
  });
});
