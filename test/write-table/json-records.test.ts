// The JSON record reader and CSV rendering on their own: any chunking of the body gives the same
// records, line/record numbers are right, numbers keep their text; and safe upload file names.
import { describe, expect, it } from 'vitest';
import type { JsonBodyFormat } from '../../src/ingest/json-body-type.js';
import { toSafeFileName } from '../../src/routes/upload-file/upload-file-fields.js';
import { csvLine } from '../../src/routes/write-table/json/csv-line.js';
import { createJsonColumns } from '../../src/routes/write-table/json/json-columns.js';
import { type JsonRecord, readJsonRecords } from '../../src/routes/write-table/json/read-json-records.js';

async function* chunks(body: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function read(body: string, format: JsonBodyFormat, chunkSize = 1 << 16): Promise<JsonRecord[]> {
  const records: JsonRecord[] = [];
  const reader = readJsonRecords(chunks(body, chunkSize), {
    format,
    maxRecordBytes: 1024,
    maxBodyBytes: 1 << 20,
  });
  for await (const record of reader) records.push(record);
  return records;
}

const rows = (records: JsonRecord[]) => {
  const columns = createJsonColumns({ tableColumns: [], maxColumns: 100 });
  const cells = records.map((record) => columns.toRow(record));
  return [columns.names.join(','), ...cells.map((row) => csvLine(row, columns.names.length).trimEnd())];
};

describe('readJsonRecords', () => {
  const body =
    '\ufeff[\n {"a": "ž\\u00e9", "n": 12345678901234567890},\n {"b": [1.0, {"c": null}], "a": true}\n]\n';

  it.each([1, 2, 3, 7, 1 << 16])(
    'gives the same records whatever the chunk size (%i bytes)',
    async (size) => {
      const records = await read(body, 'json', size);
      expect(records.map((r) => [r.number, r.line])).toEqual([
        [1, 2],
        [2, 3],
      ]);
      expect(rows(records)).toEqual([
        'a,n,b',
        '"žé","12345678901234567890",',
        '"true",,"[1.0,{""c"":null}]"',
      ]);
    },
  );

  it('reads NDJSON with blank lines and CRLF, numbering records and lines', async () => {
    const records = await read('{"x":1}\r\n\r\n{"x":2}\n', 'ndjson', 3);
    expect(records.map((r) => [r.number, r.line])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it('reports the line and record of a syntax error, also split across chunks', async () => {
    await expect(read('{"x":1}\n{"x":2}\n{"x" 3}\n', 'ndjson', 2)).rejects.toMatchObject({
      code: 'importer.invalidJson',
      details: { line: 3, record: 3 },
    });
  });

  it('refuses a record over the per-record limit with 413', async () => {
    await expect(read(`[{"x":"${'y'.repeat(4000)}"}]`, 'json', 100)).rejects.toMatchObject({
      status: 413,
      code: 'importer.recordTooLarge',
    });
  });

  it('refuses a cell nested deeper than a cell may be', async () => {
    // 1 (the record) + 257 levels: within what the reader lets through, one too deep for a cell.
    const deep = `${'['.repeat(257)}${']'.repeat(257)}`;
    const [record] = await read(`{"d": ${deep}}`, 'json');
    const columns = createJsonColumns({ tableColumns: [], maxColumns: 10 });
    expect(() => columns.toRow(record as JsonRecord)).toThrow(/nested more than/);
  });
});

describe('readJsonRecords nesting', () => {
  it('refuses nesting while reading, before the value ends (the tokenizer never builds the nest)', async () => {
    // An unterminated nest: nothing ever completes, so only a check while tokenizing can refuse it.
    await expect(read(`{"d": ${'['.repeat(300)}`, 'json', 7)).rejects.toMatchObject({
      status: 400,
      code: 'importer.invalidJson',
      message: expect.stringMatching(/nested more than 258 levels/),
    });
    await expect(read(`{"d": 1}\n{"e":${'['.repeat(300)}`, 'ndjson', 5)).rejects.toMatchObject({
      message: expect.stringMatching(/line 2 .*nested more than/),
    });
  });

  it('counts brackets only outside strings, escaped quotes included, across chunk boundaries', async () => {
    const text = `[[[${'\\"'.repeat(3)}${'['.repeat(400)}{{`;
    const body = JSON.stringify([{ s: text, t: '\\', u: ']]]]' }]);
    for (const size of [1, 3, 1 << 16]) {
      const records = await read(body, 'json', size);
      expect(records.map((r) => r.value)).toEqual([{ s: text, t: '\\', u: ']]]]' }]);
    }
  });
});

describe('readJsonRecords exactness', () => {
  // The third line is String.raw: its escapes are JSON's, not TypeScript's.
  const exact = [
    '{"big": 123456789012345678901234567890, "neg": -9007199254740993, "dec": 0.1000000000000000055511151231257827,',
    ' "one": 1.0, "exp": 1E+400, "small": -2.5e-7, "zero": -0, "money": 19.90,',
    String.raw` "text": "P\u0159\u00edli\u0161 \ud83d\ude00 žluťoučký 🚀 中文", "esc": "a\"b\\c\/d\te",`,
    ' "__proto__": {"x": 1}, "nested": {"n": [1.10, 2e3, "s"]}}',
  ].join('\n');

  it.each([1, 2, 3, 5, 64, 1 << 16])(
    'keeps numbers as written and strings as decoded (%i-byte chunks)',
    async (size) => {
      const [record] = await read(`[${exact}]`, 'json', size);
      expect(rows([record as JsonRecord])).toEqual([
        'big,neg,dec,one,exp,small,zero,money,text,esc,proto,nested',
        '"123456789012345678901234567890","-9007199254740993","0.1000000000000000055511151231257827","1.0","1E+400","-2.5e-7","-0","19.90",' +
          '"Příliš 😀 žluťoučký 🚀 中文","a""b\\c/d\te","{""x"":1}","{""n"":[1.10,2e3,""s""]}"',
      ]);
      // An own key, as JSON.parse makes it: never the object's prototype.
      expect(Object.getPrototypeOf(record?.value)).toBe(Object.prototype);
      expect(Object.keys(record?.value ?? {})).toContain('__proto__');
    },
  );

  it('decodes strings exactly as JSON.parse does, whatever the chunking', async () => {
    const values = ['', 'ascii', 'žé中', '🚀😀', 'q"uo\\te', 'tab\there', '\u2028\u2029', 'x'.repeat(300)];
    const body = values.map((v) => JSON.stringify({ v })).join('\n');
    for (const size of [1, 2, 3, 4, 7, 1 << 16]) {
      const records = await read(body, 'ndjson', size);
      expect(records.map((r) => r.value.v)).toEqual(values);
    }
  });

  it.each([
    ['a leading zero', '{"a": 01}'],
    ['a bare dot', '{"a": 1.}'],
    ['a lone minus', '{"a": -}'],
    ['a leading dot', '{"a": .5}'],
    ['an empty exponent', '{"a": 1e}'],
    ['a trailing comma in an object', '{"a": 1,}'],
    ['a raw control character in a string', '{"a": "x\u0001y"}'],
    ['a bad escape', String.raw`{"a": "\x"}`],
    ['a single-quoted key', "{'a': 1}"],
    ['a misspelt literal', '{"a": tru}'],
    ['a mismatched bracket', '{"a": [1}'],
    ['a missing colon', '{"a" 1}'],
  ])('refuses %s', async (_name, body) => {
    await expect(read(body.startsWith('[') ? body : `[${body}]`, 'json', 3)).rejects.toMatchObject({
      status: 400,
      code: 'importer.invalidJson',
      details: { record: 1, line: 1 },
    });
  });

  it('refuses a trailing comma in the root array where the next record would start', async () => {
    await expect(read('[{"a": 1},]', 'json', 3)).rejects.toMatchObject({
      code: 'importer.invalidJson',
      details: { record: 2, line: 1 },
    });
  });

  it("names a syntax error's line inside a record that spans lines", async () => {
    await expect(read('{"a": 1}\n{"a":\n 2,\n "b": x}\n', 'ndjson', 4)).rejects.toMatchObject({
      details: { record: 2, line: 4 },
    });
  });
});

describe('toSafeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\Výkaz 2024 (final).xlsx', 'Vykaz_2024_final_.xlsx'],
    ['..', 'upload'],
    ['.hidden', 'hidden'],
    ['', 'upload'],
    ['data.csv.gz', 'data.csv.gz'],
  ])('%j → %j', (raw, safe) => {
    expect(toSafeFileName(raw)).toBe(safe);
  });
});
