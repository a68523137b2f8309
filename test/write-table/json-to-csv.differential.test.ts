// The JSON → CSV conversion against two references, on seeded random bodies cut into random chunks:
// (1) JSON.parse with numbers kept exact (each number swapped for a marker string, put back as its
// text), and (2) the object path alone (readJsonRecords, then cells and lines as before the fast
// writer existed). Valid bodies must give byte-identical CSV; mutated ones the same CSV or the same error.
import { describe, expect, it } from 'vitest';
import type { JsonBodyFormat } from '../../src/ingest/json-body-type.js';
import { csvLine } from '../../src/routes/write-table/json/csv-line.js';
import { jsonBodyToCsv } from '../../src/routes/write-table/json/json-body-to-csv.js';
import { createJsonColumns } from '../../src/routes/write-table/json/json-columns.js';
import { type JsonRecord, readJsonRecords } from '../../src/routes/write-table/json/read-json-records.js';

/** mulberry32: a small seeded generator, so a failure names a seed that reproduces it. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

/** A number as its text: the model keeps it so, and so must the CSV. */
class Num {
  constructor(readonly text: string) {}
}
/** An object as its members in body order (repeats allowed: the last value wins, as in JSON.parse). */
class Obj {
  constructor(readonly members: Member[]) {}
}
type Value = string | Num | boolean | null | Value[] | Obj;
type Member = [key: string, value: Value];

/** The records' keys and the column each becomes. */
const COLUMN_OF = new Map([
  ['id', 'id'],
  ['name', 'name'],
  ['note', 'note'],
  ['__proto__', 'proto'],
  ['7', '7'],
  ['ünï', 'uni'],
  ['tags', 'tags'],
  ['amount', 'amount'],
  ['x y', 'x_y'],
]);
const TOP_KEYS = [...COLUMN_OF.keys()];
const NESTED_KEYS = ['a', 'b', 'ž', '__proto__', '', 'k"q', 'long key', 'x/y', 'é'];
/** Rare on purpose: each sends its record to the object path (JS orders such keys first). */
const INTEGER_KEYS = ['1', '22', '0'];
const NUMBERS = [
  '0',
  '-0',
  '7',
  '12345678901234567890123',
  '-9007199254740993',
  '1.50',
  '0.0',
  '1e5',
  '-2.5E-7',
  '1E+400',
  '19.90',
];
const PIECES = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  'ž',
  '中',
  '🚀',
  '\u2028',
  'x'.repeat(40),
  ',',
  "'",
];
/** Lone surrogate halves: rare too (the object path writes U+FFFD, or \udxxx inside JSON text). */
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];

function randomString(r: Random): string {
  let text = '';
  const length = r.chance(0.2) ? 0 : r.int(8);
  for (let i = 0; i < length; i += 1) text += r.chance(0.01) ? r.pick(LONE_SURROGATES) : r.pick(PIECES);
  return text;
}

function randomValue(r: Random, depth: number): Value {
  const roll = r.int(depth >= 3 ? 6 : 9);
  if (roll === 0 || roll === 1) return randomString(r);
  if (roll === 2 || roll === 3) return new Num(r.pick(NUMBERS));
  if (roll === 4) return r.chance(0.5);
  if (roll === 5) return null;
  if (roll === 6 || roll === 7) return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  const keys = [...NESTED_KEYS].sort(() => r.next() - 0.5).slice(0, r.int(4));
  if (keys.length > 0 && r.chance(0.03)) keys.push(keys[0] as string);
  if (r.chance(0.03)) keys.push(r.pick(INTEGER_KEYS));
  return new Obj(keys.map((key): Member => [key, randomValue(r, depth + 1)]));
}

/** Most records list every key in column order (as exported data does); the rest any keys in any order. */
function randomRecord(r: Random, keys: readonly string[]): Obj {
  const chosen = r.chance(0.5) ? keys : keys.filter(() => r.chance(0.7)).sort(() => r.next() - 0.5);
  const members: Member[] = chosen.map((key) => [key, randomValue(r, 0)]);
  if (members.length > 0 && r.chance(0.03)) members.push([members[0]?.[0] as string, randomValue(r, 0)]);
  return new Obj(members);
}

/** JSON text of a string, escaping at random (any character may be \u-escaped, in either case). */
function writeString(r: Random, text: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '/': '\\/' };
  const u = (unit: number) => {
    const hex = unit.toString(16).padStart(4, '0');
    return `\\u${r.chance(0.5) ? hex : hex.toUpperCase()}`;
  };
  let out = '"';
  // By code point: an astral character is raw UTF-8 or, escaped, a \u surrogate pair.
  for (const char of text) {
    const code = char.charCodeAt(0);
    const lone = char.length === 1 && code >= 0xd800 && code <= 0xdfff;
    if (char === '"' || char === '\\' || code < 0x20 || lone || r.chance(0.1)) {
      out +=
        short[char] !== undefined && r.chance(0.7)
          ? short[char]
          : [...char.split('')].map((unit) => u(unit.charCodeAt(0))).join('');
    } else out += char;
  }
  return `${out}"`;
}

const space = (r: Random) => (r.chance(0.8) ? '' : r.pick([' ', '  ', '\t', '\n', '\r\n', ' \n ']));

/** The body's text of a value; `markers` gets numbers as unique strings instead (for JSON.parse). */
function writeValue(r: Random, value: Value, markers?: string[]): string {
  if (value instanceof Num) {
    if (!markers) return value.text;
    markers.push(value.text);
    return `"\uE000${markers.length - 1}\uE001"`;
  }
  if (typeof value === 'string') return markers ? JSON.stringify(value) : writeString(r, value);
  if (value === null || typeof value === 'boolean') return String(value);
  const s = () => (markers ? '' : space(r));
  if (value instanceof Obj) {
    const members = value.members.map(
      ([key, item]) =>
        `${s()}${markers ? JSON.stringify(key) : writeString(r, key)}${s()}:${s()}${writeValue(r, item, markers)}${s()}`,
    );
    return `{${members.join(',')}${members.length === 0 ? s() : ''}}`;
  }
  return `[${value.map((item) => `${s()}${writeValue(r, item, markers)}${s()}`).join(',')}${value.length === 0 ? s() : ''}]`;
}

/** Reference (1): the cells as JSON.parse reads the record, numbers put back as their text. */
function parsedCells(record: Obj): Record<string, unknown> {
  const markers: string[] = [];
  const text = writeValue(random(0), record, markers);
  const restore = (json: string) =>
    json.replace(/"\uE000(\d+)\uE001"/g, (_m, at) => markers[Number(at)] as string);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const cells: Record<string, unknown> = {};
  for (const key in parsed) {
    const value = parsed[key];
    let cell: unknown;
    if (typeof value === 'string')
      cell = /^\uE000\d+\uE001$/.test(value) ? restore(JSON.stringify(value)) : value;
    else if (value === null || typeof value === 'boolean') cell = value;
    else cell = restore(JSON.stringify(value));
    Object.defineProperty(cells, key, { value: cell, enumerable: true, writable: true, configurable: true });
  }
  return cells;
}

function cutIntoChunks(r: Random, body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  const maxChunk = r.pick([1, 7, 64, 300, 4096, 1 << 20]);
  for (let at = 0; at < body.length; ) {
    const size = 1 + r.int(maxChunk);
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

async function* stream(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

interface Case {
  format: JsonBodyFormat;
  chunks: Buffer[];
  tableColumns: string[];
  sampleRecords: number;
  sampleBytes: number;
}

type Outcome = { csv: string } | { error: { code?: string; message: string; details?: unknown } };

const failure = (err: unknown): Outcome => {
  const { code, message, details } = err as { code?: string; message: string; details?: unknown };
  return { error: { code, message, details } };
};

async function converted(c: Case): Promise<Outcome> {
  try {
    const columns = createJsonColumns({ tableColumns: c.tableColumns, maxColumns: 100 });
    const converter = jsonBodyToCsv(stream(c.chunks), {
      format: c.format,
      columns,
      sample: { sampleRecords: c.sampleRecords, sampleBytes: c.sampleBytes },
      maxRecordBytes: 1 << 20,
      maxBodyBytes: 1 << 26,
    });
    await converter.readSample();
    const parts: Buffer[] = [];
    for await (const part of converter.csv()) parts.push(Buffer.from(part));
    return { csv: Buffer.concat(parts).toString('latin1') };
  } catch (err) {
    return failure(err);
  }
}

/** Reference (2): the object path for every record, sampled as write-table did before. */
async function objectPath(c: Case): Promise<Outcome> {
  try {
    const reader = readJsonRecords(stream(c.chunks), {
      format: c.format,
      maxRecordBytes: 1 << 20,
      maxBodyBytes: 1 << 26,
    });
    const batches = reader.batches();
    const columns = createJsonColumns({ tableColumns: c.tableColumns, maxColumns: 100 });
    const sampleRows: Array<Array<string | undefined>> = [];
    let afterSample: JsonRecord[] = [];
    sampling: while (sampleRows.length < c.sampleRecords && reader.bytesRead < c.sampleBytes) {
      const next = await batches.next();
      if (next.done) break;
      for (let at = 0; at < next.value.length; at += 1) {
        if (sampleRows.length >= c.sampleRecords) {
          afterSample = next.value.slice(at);
          break sampling;
        }
        sampleRows.push(columns.toRow(next.value[at] as JsonRecord));
      }
    }
    columns.freeze();
    if (sampleRows.length === 0)
      throw {
        code: 'importer.emptyData',
        message: 'The JSON body has no records: send at least one object.',
      };
    if (columns.names.length === 0) {
      throw {
        code: 'importer.emptyData',
        message: 'The JSON records have no keys, so there are no columns to create the table from.',
      };
    }
    const width = columns.names.length;
    let csv = csvLine(columns.names, width) + sampleRows.map((row) => csvLine(row, width)).join('');
    for (const record of afterSample) csv += csvLine(columns.toRow(record), width);
    for (let next = await batches.next(); !next.done; next = await batches.next()) {
      for (const record of next.value) csv += csvLine(columns.toRow(record), width);
    }
    return { csv: Buffer.from(csv).toString('latin1') };
  } catch (err) {
    return failure(err);
  }
}

function randomCase(seed: number): { c: Case; records: Obj[] } {
  const r = random(seed);
  const format: JsonBodyFormat = r.chance(0.5) ? 'ndjson' : 'json';
  // The table's columns: all keys (so later records meet no new key), or none (the sample finds them).
  const known = r.chance(0.7);
  const order = [...TOP_KEYS].sort(() => r.next() - 0.5);
  const tableColumns = known ? order.map((key) => COLUMN_OF.get(key) as string) : [];
  const records = Array.from({ length: 1 + r.int(40) }, () => randomRecord(r, order));
  const texts = records.map((record) => writeValue(r, record));
  const body =
    format === 'ndjson'
      ? texts.map((text) => `${space(r)}${text}\n`).join('')
      : `${space(r)}[${texts.map((text) => `${space(r)}${text}${space(r)}`).join(',')}]${space(r)}`;
  return {
    c: {
      format,
      chunks: cutIntoChunks(r, Buffer.from(body)),
      tableColumns,
      sampleRecords: known ? 1 + r.int(3) : 1000,
      sampleBytes: known ? 50 + r.int(2000) : 1 << 20,
    },
    records,
  };
}

describe('JSON → CSV, differential', () => {
  it('valid random bodies: the CSV equals JSON.parse with exact numbers and the object path, byte for byte', async () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const { c, records } = randomCase(seed);
      const got = await converted(c);
      const reference = await objectPath(c);
      expect({ seed, ...got }).toEqual({ seed, ...reference });
      if (!('csv' in got)) continue;
      // Reference (1): rows built from JSON.parse's reading of each record.
      const columns = createJsonColumns({ tableColumns: c.tableColumns, maxColumns: 100 });
      const rows = records.map((record, at) =>
        columns.toRow({ value: parsedCells(record), number: at + 1, line: 1 }),
      );
      const width = columns.names.length;
      const expected = csvLine(columns.names, width) + rows.map((row) => csvLine(row, width)).join('');
      expect({ seed, csv: got.csv }).toEqual({ seed, csv: Buffer.from(expected).toString('latin1') });
    }
  });

  it('mutated bodies (a byte changed, dropped or added): the same CSV or the same error as the object path', async () => {
    const bytes = [
      '"',
      ',',
      '}',
      ']',
      '{',
      '[',
      ':',
      '0',
      '-',
      '.',
      'e',
      'x',
      '\\',
      ' ',
      '\n',
      '\u0001',
      '\u00ff',
    ];
    let errors = 0;
    for (let seed = 1; seed <= 500; seed += 1) {
      const { c } = randomCase(seed);
      const r = random(seed * 7919);
      const body = Buffer.concat(c.chunks);
      const at = r.int(body.length);
      const insert = Buffer.from(r.pick(bytes), 'latin1');
      const mode = r.int(3);
      const mutated = Buffer.concat([
        body.subarray(0, at),
        mode === 1 ? Buffer.alloc(0) : insert,
        body.subarray(mode === 2 ? at : at + 1),
      ]);
      const mutatedCase = { ...c, chunks: cutIntoChunks(r, mutated) };
      const got = await converted(mutatedCase);
      if ('error' in got) errors += 1;
      expect({ seed, ...got }).toEqual({ seed, ...(await objectPath(mutatedCase)) });
    }
    // Most mutations break the body: the errors were compared, not only the CSV.
    expect(errors).toBeGreaterThan(150);
  });

  /** Record 0 fills the sample in a chunk of its own; `records` follow in the next chunk. */
  const afterSample = (format: JsonBodyFormat, records: Buffer[]): Case => {
    const separator = Buffer.from(format === 'json' ? ',' : '\n');
    const rest = records.flatMap((record) => [record, separator]);
    if (format === 'json') rest[rest.length - 1] = Buffer.from(']');
    return {
      format,
      chunks: [Buffer.from(format === 'json' ? '[{"id":0},' : '{"id":0}\n'), Buffer.concat(rest)],
      tableColumns: ['id', 'name', 'tags', 'x_y'],
      sampleRecords: 1,
      sampleBytes: 1 << 20,
    };
  };

  it.each(['ndjson', 'json'] as const)(
    'records the fast writer hands to the object path give its CSV and errors (%s)',
    async (format) => {
      const wide = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`k${k}`, k]));
      const c = afterSample(format, [
        // Longer than the fast span, and raw invalid UTF-8 (U+FFFD in both paths).
        Buffer.from(JSON.stringify({ id: 1, name: 'é'.repeat(40_000), tags: ['x'.repeat(30_000)] })),
        Buffer.concat([
          Buffer.from('{"id":2,"name":"a'),
          Buffer.from([0xff, 0xc3]),
          Buffer.from('b","tags":["é"]}'),
        ]),
        Buffer.from('{"name":"🚀","tags":{"b":1,"a":2,"b":3}}'),
        Buffer.from(JSON.stringify({ id: 4, tags: wide })),
        Buffer.from('{"id":5,"tags":{"x":1,"10":2,"2":3}}'),
        Buffer.from(String.raw`{"id":6,"name":"\ud800 \udc00x","tags":["\uDFFF"]}`),
      ]);
      const got = await converted(c);
      expect(got).toEqual(await objectPath(c));
      expect('csv' in got && got.csv.split('\n')).toHaveLength(9);
      // A key that is not valid UTF-8, after the sample: refused like any new key.
      const badKey = afterSample(format, [
        Buffer.concat([Buffer.from('{"id":3,"na'), Buffer.from([0xe2, 0x82]), Buffer.from('me":1}')]),
      ]);
      const refused = await converted(badKey);
      expect(refused).toEqual(await objectPath(badKey));
      expect(refused).toMatchObject({ error: { code: 'importer.unexpectedKey' } });
      // Two keys of one record that become one column: refused, even in a record the fast writer reads.
      const twoKeys = afterSample(format, [Buffer.from('{"x y":1,"x_y":2}')]);
      expect(await converted(twoKeys)).toEqual(await objectPath(twoKeys));
      expect(await converted(twoKeys)).toMatchObject({
        error: { code: 'importer.invalidKey', details: { record: 2 } },
      });
    },
  );
});
