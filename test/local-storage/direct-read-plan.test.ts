// Which files DuckDB may read as they are (csv/direct-read-plan.ts): plain UTF-8 default-dialect
// files qualify; every pattern where DuckDB's reader and Storage's rules differ sends the file to
// the canonical pass, also when it sits across the scan's 4 MiB chunk border.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvLayout } from '../../src/local-storage/csv/canonical-csv-encoder.js';
import { parseCsvDialect } from '../../src/local-storage/csv/csv-dialect.js';
import { planDirectRead } from '../../src/local-storage/csv/direct-read-plan.js';

const CHUNK = 4 * 1024 * 1024;
let dir: string;
let fileNumber = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'direct-read-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const headerLayout = (): CsvLayout => ({ kind: 'header', ignoredLinesCount: 0, onHeader: () => undefined });

async function plan(
  content: string | Buffer,
  options: { delimiter?: string; enclosure?: string; gzip?: boolean; layout?: CsvLayout } = {},
) {
  const path = join(dir, `file-${++fileNumber}.csv`);
  await writeFile(path, content);
  return planDirectRead({
    source: { path, gzip: options.gzip ?? false },
    dialect: parseCsvDialect({
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(options.enclosure === undefined ? {} : { enclosure: options.enclosure }),
    }),
    layout: options.layout ?? headerLayout(),
  });
}

/** `size` bytes of plain rows (`1,x…x\n`), ending exactly on a line end. */
function plainRows(size: number): string {
  const row = `1,${'x'.repeat(61)}\n`;
  const rows = row.repeat(Math.floor(size / row.length));
  return `${rows}1,${'y'.repeat(size - rows.length - 3)}\n`;
}

describe('planDirectRead', () => {
  it('takes a plain file, quoted values with doubled quotes and line breaks included', async () => {
    expect(await plan('id,"na,me"\n1,"a ""b"", c"\n2,"x\ny"\n3,\n'.replace(',\n', ',z\n'))).toEqual({
      hasBom: false,
      header: ['id', 'na,me'],
    });
    expect(await plan('\uFEFFa;b\n1;2\n', { delimiter: ';' })).toEqual({ hasBom: true, header: ['a', 'b'] });
    expect(await plan('1,2\n', { layout: { kind: 'fixed', ignoredLinesCount: 0, fieldCount: 2 } })).toEqual({
      hasBom: false,
    });
  });

  it.each([
    ['CRLF line ends', 'a,b\r\n1,2\r\n'],
    ['a lone CR', 'a,b\n1\r2,3\n'],
    ['a blank line', 'a,b\n1,2\n\n3,4\n'],
    ['a blank first line', '\na,b\n1,2\n'],
    ['a delimiter before a line end', 'a,b\n1,\n'],
    ['no line end at the end', 'a,b\n1,2'],
    ['a blank after a closing quote', 'a,b\n"1" ,2\n'],
    ['a blank before an opening quote', 'a,b\n1, "2"\n'],
    ['a TAB after a closing quote', 'a,b\n"1"\t,2\n'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')])],
    ['a cut-off character at the end', Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.from([0xe2, 0x82])])],
    ['an empty file', ''],
    ['a header spanning lines', '"a\nb",c\n1,2\n'],
  ])('sends %s to the canonical pass', async (_name, content) => {
    expect(await plan(content)).toBeUndefined();
  });

  it('sends other dialects, gzip and skipped lines to the canonical pass', async () => {
    expect(await plan('a b\n1 2\n', { delimiter: ' ' })).toBeUndefined();
    expect(await plan("a,b\n'1',2\n", { enclosure: "'" })).toBeUndefined();
    expect(await plan(gzipSync('a,b\n1,2\n'), { gzip: true })).toBeUndefined();
    expect(
      await plan('x\na,b\n1,2\n', {
        layout: { kind: 'header', ignoredLinesCount: 2, onHeader: () => undefined },
      }),
    ).toBeUndefined();
  });

  it('keeps blanks next to quotes inside values and TAB as the delimiter', async () => {
    expect(await plan('a,b\n"x ""y"" z",2\n')).toBeDefined();
    expect(await plan('a\tb\n"1"\t"2"\n', { delimiter: '\t' })).toEqual({
      hasBom: false,
      header: ['a', 'b'],
    });
  });

  it('passes the header to the layout, whose errors propagate', async () => {
    const seen: string[][] = [];
    await plan('x,y\n1,2\n', {
      layout: { kind: 'header', ignoredLinesCount: 1, onHeader: (names) => seen.push(names) },
    });
    expect(seen).toEqual([['x', 'y']]);
    await expect(
      plan('x,y\n1,2\n', {
        layout: {
          kind: 'header',
          ignoredLinesCount: 0,
          onHeader: () => {
            throw new Error('bad header');
          },
        },
      }),
    ).rejects.toThrow('bad header');
  });

  describe('across the 4 MiB chunk border', () => {
    const head = 'a,b\n';

    it('takes a character split by the border', async () => {
      const before = plainRows(CHUNK - head.length).slice(0, -1); // ends `…y` without its LF
      expect(Buffer.byteLength(head + before)).toBe(CHUNK - 1);
      const content = Buffer.concat([Buffer.from(head + before), Buffer.from('€\n')]); // 1 + 2 bytes of €
      expect(content.length).toBeGreaterThan(CHUNK);
      expect(await plan(content)).toBeDefined();
    });

    it('refuses invalid UTF-8 right after the border', async () => {
      const content = Buffer.concat([
        Buffer.from(head + plainRows(CHUNK - head.length)),
        Buffer.from([0x31, 0x2c, 0xff, 0x0a]),
      ]);
      expect(await plan(content)).toBeUndefined();
    });

    it.each([
      ['a blank line', '', '\n1,2\n'],
      ['a delimiter before a line end', '1,', '\n'],
      ['a blank after a closing quote', '1,"2"', ' \n'],
    ])('refuses %s split by the border', async (_name, beforeBorder, afterBorder) => {
      const filler = plainRows(CHUNK - head.length - beforeBorder.length);
      const content = head + filler + beforeBorder + afterBorder;
      expect(Buffer.byteLength(head + filler + beforeBorder)).toBe(CHUNK);
      expect(await plan(content)).toBeUndefined();
    });
  });
});
