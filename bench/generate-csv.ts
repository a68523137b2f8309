// Generated CSV of an exact byte size, streamed chunk by chunk (never held whole): header
// `id,payload`, then fixed-width rows `0000000001,<pseudo-random letters>`. Cheap to produce (row
// copies out of one random pool) and cheap for the stand-in to load (two columns, few long rows).
import { Readable } from 'node:stream';

export const CSV_HEADER = 'id,payload\n';
const ID_DIGITS = 10;
const POOL_BYTES = 1024 * 1024;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-';

export interface CsvShape {
  totalBytes: number;
  /** Bytes of one full row, line feed included. */
  rowBytes: number;
}

export interface CsvPlan {
  rowsCount: number;
  /** Payload length of the last (possibly shorter) row; equals the full one when it fits exactly. */
  lastPayloadBytes: number;
}

/** 4 KiB rows: 262,144 rows per GiB, a size the stand-in's parser and DuckDB digest quickly. */
export const DEFAULT_ROW_BYTES = 4096;

const pool = createPool(POOL_BYTES);

export function planCsv({ totalBytes, rowBytes }: CsvShape): CsvPlan {
  const minRowBytes = ID_DIGITS + 3;
  if (rowBytes < minRowBytes) throw new Error(`rowBytes must be at least ${minRowBytes}`);
  const dataBytes = totalBytes - CSV_HEADER.length;
  if (dataBytes < minRowBytes)
    throw new Error(`totalBytes must be at least ${CSV_HEADER.length + minRowBytes}`);
  let fullRows = Math.floor(dataBytes / rowBytes);
  let rest = dataBytes - fullRows * rowBytes;
  if (rest > 0 && rest < minRowBytes) {
    // Too short for a row of its own: the last full row gives up its place to a longer tail.
    fullRows--;
    rest += rowBytes;
  }
  const payloadBytes = rowBytes - ID_DIGITS - 2;
  return rest === 0
    ? { rowsCount: fullRows, lastPayloadBytes: payloadBytes }
    : { rowsCount: fullRows + 1, lastPayloadBytes: rest - ID_DIGITS - 2 };
}

/** A stream of exactly `totalBytes` bytes of valid CSV, `chunkBytes` at a time. */
export function generateCsv(shape: CsvShape, chunkBytes = 1024 * 1024): Readable {
  const plan = planCsv(shape);
  const payloadBytes = shape.rowBytes - ID_DIGITS - 2;
  let row = 0;
  let headerSent = false;

  const rowLength = (index: number) =>
    index === plan.rowsCount - 1 ? plan.lastPayloadBytes + ID_DIGITS + 2 : shape.rowBytes;

  const writeRow = (target: Buffer, offset: number, index: number): number => {
    target.write(String(index + 1).padStart(ID_DIGITS, '0'), offset, 'latin1');
    target[offset + ID_DIGITS] = 0x2c;
    const length = index === plan.rowsCount - 1 ? plan.lastPayloadBytes : payloadBytes;
    const from = (index * 7919) % (POOL_BYTES - length);
    pool.copy(target, offset + ID_DIGITS + 1, from, from + length);
    target[offset + ID_DIGITS + 1 + length] = 0x0a;
    return ID_DIGITS + 2 + length;
  };

  return new Readable({
    highWaterMark: chunkBytes,
    read() {
      const parts: Buffer[] = [];
      if (!headerSent) {
        headerSent = true;
        parts.push(Buffer.from(CSV_HEADER, 'latin1'));
      }
      let rowsInChunk = 0;
      let bytesInChunk = 0;
      while (row + rowsInChunk < plan.rowsCount && bytesInChunk < chunkBytes) {
        bytesInChunk += rowLength(row + rowsInChunk);
        rowsInChunk++;
      }
      if (rowsInChunk > 0) {
        const chunk = Buffer.allocUnsafe(bytesInChunk);
        let offset = 0;
        for (let i = 0; i < rowsInChunk; i++) offset += writeRow(chunk, offset, row + i);
        row += rowsInChunk;
        parts.push(chunk);
      }
      for (const part of parts) this.push(part);
      if (row >= plan.rowsCount) this.push(null);
    },
  });
}

/** A small CSV held in memory (for the latency and concurrency scenarios). */
export async function csvBuffer(shape: CsvShape): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of generateCsv(shape)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function createPool(bytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(bytes);
  // A fixed-seed xorshift: the same bytes on every run, no crypto cost.
  let state = 0x9e3779b9;
  for (let i = 0; i < bytes; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer[i] = ALPHABET.charCodeAt((state >>> 0) % ALPHABET.length);
  }
  return buffer;
}
