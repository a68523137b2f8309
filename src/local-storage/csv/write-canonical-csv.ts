// The streaming pass of a load: source file (gunzipped when named *.gz) → BOM stripped → UTF-8
// checked → canonical-csv-encoder.ts → canonical CSV file for DuckDB's read_csv.
// Knows nothing about tables or DuckDB; header validation is the layout's `onHeader`.
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { type CsvLayout, createCanonicalCsvEncoder } from './canonical-csv-encoder.js';
import type { CsvDialect } from './csv-dialect.js';
import { createLoadError } from './load-error.js';
import { completeUtf8Length } from './utf8-boundary.js';

export interface CanonicalCsvRequest {
  source: { path: string; gzip: boolean };
  dialect: CsvDialect;
  layout: CsvLayout;
  /** A value equal to this one is written as '' (treatValuesAsNull on string tables, §9.6). */
  emptyValue?: string;
  outputPath: string;
  /** Read size; tests use tiny ones to split records, characters and the BOM across chunks. */
  readChunkBytes?: number;
}

export interface CanonicalCsvResult {
  /** Raw header cells in `header` layout; undefined when the file holds no record at all. */
  header?: string[];
  rowsCount: number;
}

const READ_CHUNK_BYTES = 1024 * 1024;
const GUNZIP_CHUNK_BYTES = 256 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function writeCanonicalCsv(request: CanonicalCsvRequest): Promise<CanonicalCsvResult> {
  const encoder = createCanonicalCsvEncoder(request);

  async function* toCanonical(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    /** Bytes held back: an incomplete UTF-8 character at a chunk end, or a possible BOM start. */
    let carry: Buffer | undefined;
    let atStart = true;
    for await (const chunk of source) {
      let data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      carry = undefined;
      if (atStart) {
        if (data.length < BOM.length && BOM.subarray(0, data.length).equals(data)) {
          carry = data;
          continue;
        }
        if (data.subarray(0, BOM.length).equals(BOM)) data = data.subarray(BOM.length);
        atStart = false;
      }
      const end = completeUtf8Length(data);
      if (end < data.length) carry = Buffer.from(data.subarray(end));
      encodeChecked(data.subarray(0, end));
      yield* encoder.takeOutput();
    }
    // Left over at the end: a character cut off, or a file of a BOM's first bytes. Both invalid.
    if (carry !== undefined) encodeChecked(carry);
    encoder.finish();
    yield* encoder.takeOutput();
  }

  const encodeChecked = (data: Buffer): void => {
    if (!isUtf8(data)) {
      const invalidAt = findInvalidUtf8(data);
      let line = encoder.line;
      for (let at = data.indexOf(0x0a); at !== -1 && at < invalidAt; at = data.indexOf(0x0a, at + 1)) line++;
      throw createLoadError(`line ${line}: the file is not valid UTF-8.`);
    }
    encoder.push(data);
  };

  const read = createReadStream(request.source.path, {
    highWaterMark: request.readChunkBytes ?? READ_CHUNK_BYTES,
  });
  const write = createWriteStream(request.outputPath);
  // A 0-byte file is empty whatever its name says: there is no gzip stream to decompress.
  const gzip = request.source.gzip && (await stat(request.source.path)).size > 0;
  try {
    if (gzip) {
      await pipeline(
        read,
        createGunzip({ chunkSize: Math.max(64, request.readChunkBytes ?? GUNZIP_CHUNK_BYTES) }),
        toCanonical,
        write,
      );
    } else {
      await pipeline(read, toCanonical, write);
    }
  } catch (error) {
    if (isZlibError(error)) throw createLoadError(`the file is not valid gzip data (${error.message}).`);
    throw error;
  }
  const { header, rowsCount } = encoder;
  return header === undefined ? { rowsCount } : { header, rowsCount };
}

/** Offset of the first byte that breaks UTF-8 structure (best effort; only for error messages). */
function findInvalidUtf8(data: Buffer): number {
  let at = 0;
  while (at < data.length) {
    const byte = data[at] as number;
    const size = byte < 0x80 ? 1 : byte < 0xc2 ? 0 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : byte < 0xf5 ? 4 : 0;
    if (size === 0) return at;
    for (let next = at + 1; next < at + size; next++) {
      if (next >= data.length || ((data[next] as number) & 0xc0) !== 0x80) return at;
    }
    at += size;
  }
  return 0;
}

function isZlibError(error: unknown): error is Error {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' && code.startsWith('Z_');
}
