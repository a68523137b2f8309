// The streaming pass must not depend on where the file is cut into chunks: records, quoted values,
// CRLF, escapes, multi-byte characters and the BOM split at every possible position.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvLayout } from '../../src/local-storage/csv/canonical-csv-encoder.js';
import { type CsvDialect, parseCsvDialect } from '../../src/local-storage/csv/csv-dialect.js';
import { writeCanonicalCsv } from '../../src/local-storage/csv/write-canonical-csv.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canonical-csv-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNumber = 0;
async function canonical(
  content: string | Buffer,
  options: {
    dialect?: CsvDialect;
    layout?: CsvLayout;
    gzip?: boolean;
    readChunkBytes?: number;
    emptyValue?: string;
  } = {},
): Promise<{ output: string; header?: string[]; rowsCount: number }> {
  const number = ++fileNumber;
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const path = join(dir, `in-${number}.csv`);
  await writeFile(path, options.gzip ? gzipSync(bytes) : bytes);
  const outputPath = join(dir, `out-${number}.csv`);
  const result = await writeCanonicalCsv({
    source: { path, gzip: options.gzip ?? false },
    dialect: options.dialect ?? parseCsvDialect({}),
    layout: options.layout ?? { kind: 'header', ignoredLinesCount: 0, onHeader: () => undefined },
    outputPath,
    ...(options.readChunkBytes === undefined ? {} : { readChunkBytes: options.readChunkBytes }),
    ...(options.emptyValue === undefined ? {} : { emptyValue: options.emptyValue }),
  });
  return { ...result, output: await readFile(outputPath, 'utf8') };
}

describe('writeCanonicalCsv', () => {
  it('writes every value quoted, quotes doubled, the row ordinal last, no header', async () => {
    const result = await canonical('id,name\n1,"a ""b"", c"\n2,plain"quote\n3,\n');
    expect(result.header).toEqual(['id', 'name']);
    expect(result.rowsCount).toBe(3);
    expect(result.output).toBe('"1","a ""b"", c",1\n"2","plain""quote",2\n"3","",3\n');
  });

  it('writes nothing for an empty file and reports no header', async () => {
    expect(await canonical('')).toEqual({ output: '', rowsCount: 0 });
    expect(await canonical('\uFEFF')).toEqual({ output: '', rowsCount: 0 });
    expect(await canonical('', { gzip: true })).toEqual({ output: '', rowsCount: 0 });
  });

  const cases: Array<[string, string, CsvDialect]> = [
    [
      'quoted multi-line values, CRLF, doubled quotes, BOM',
      '\uFEFFid,text\r\n1,"multi\r\nline ""quoted"" ,x"\r\n2,"ü€𝄞"\r\n3,last',
      parseCsvDialect({}),
    ],
    [
      'escapedBy without enclosure, TAB delimiter',
      'a\tb\nx\\ty\\\\z\tp\\nq\\\tr\n"raw"\tü\\€\n',
      parseCsvDialect({ delimiter: '\t', enclosure: '', escapedBy: '\\' }),
    ],
    [
      'single-quote enclosure containing double quotes',
      "a;b\n'it''s';'say \"hi\"'\n'';x\n",
      parseCsvDialect({ delimiter: ';', enclosure: "'" }),
    ],
    [
      'multi-byte delimiter and enclosure',
      'a€b\n«x€y«€«q««z«\nü€\n',
      parseCsvDialect({ delimiter: '€', enclosure: '«' }),
    ],
  ];

  it.each(cases)('gives the same output for every chunk size: %s', async (_name, content, dialect) => {
    const whole = await canonical(content, { dialect });
    expect(whole.rowsCount).toBeGreaterThan(0);
    for (const readChunkBytes of [1, 2, 3, 5, 7, 13]) {
      expect(await canonical(content, { dialect, readChunkBytes })).toEqual(whole);
    }
    expect(await canonical(content, { dialect, gzip: true, readChunkBytes: 64 })).toEqual(whole);
  });

  it('decodes the reference cases exactly', async () => {
    const [first, second, third, fourth] = await Promise.all(
      cases.map(([, content, dialect]) => canonical(content, { dialect })),
    );
    expect(first?.header).toEqual(['id', 'text']);
    expect(first?.output).toBe('"1","multi\r\nline ""quoted"" ,x",1\n"2","ü€𝄞",2\n"3","last",3\n');
    expect(second?.header).toEqual(['a', 'b']);
    expect(second?.output).toBe('"x\ty\\z","p\nq\tr",1\n"""raw""","ü€",2\n');
    expect(third?.output).toBe('"it\'s","say ""hi""",1\n"","x",2\n');
    expect(fourth?.header).toEqual(['a', 'b']);
    expect(fourth?.output).toBe('"x€y","q«z",1\n"ü","",2\n');
  });

  it('turns values equal to emptyValue into empty strings, only in data rows', async () => {
    const result = await canonical('id,NULL\n1,NULL\n"NULL",x\n', { emptyValue: 'NULL' });
    expect(result.header).toEqual(['id', 'NULL']);
    expect(result.output).toBe('"1","",1\n"","x",2\n');
  });

  it('reports the line of invalid UTF-8 as a load error', async () => {
    const content = Buffer.concat([
      Buffer.from('a,b\n1,2\n"x\ny",'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    await expect(canonical(content, { readChunkBytes: 4 })).rejects.toMatchObject({
      code: 'csvImport.invalidData',
      message: 'Load error: line 4: the file is not valid UTF-8.',
    });
    // A character cut off by the end of the file.
    await expect(
      canonical(Buffer.concat([Buffer.from('a\n'), Buffer.from([0xe2, 0x82])])),
    ).rejects.toMatchObject({
      code: 'csvImport.invalidData',
    });
  });
});
