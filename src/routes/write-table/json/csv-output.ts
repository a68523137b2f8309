// The generated CSV's bytes on their way to gzip: lines are written into a large buffer and handed
// on in slices of at least 64 KiB (a slice is never written again), so a line costs no allocation.
const BUFFER_BYTES = 1024 * 1024;
const SLICE_BYTES = 64 * 1024;

export interface CsvOutput {
  /** The buffer to write into, from `pos`; valid until the next `reserve` or `writeString`. */
  readonly buffer: Buffer;
  pos: number;
  /** Makes room for `bytes` more at `buffer[pos]`. */
  reserve(bytes: number): void;
  writeString(text: string): void;
  /** The slices ready to hand on (all that was written, with `all`). */
  take(all?: boolean): Buffer[];
}

export function createCsvOutput(): CsvOutput {
  let buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  /** Where the part not yet handed on starts. */
  let from = 0;
  const ready: Buffer[] = [];
  const output: CsvOutput = {
    get buffer() {
      return buffer;
    },
    pos: 0,
    reserve(bytes) {
      if (buffer.length - output.pos >= bytes) return;
      if (output.pos > from) ready.push(buffer.subarray(from, output.pos));
      buffer = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, bytes));
      output.pos = 0;
      from = 0;
    },
    writeString(text) {
      output.reserve(Buffer.byteLength(text));
      output.pos += buffer.write(text, output.pos);
    },
    take(all = false) {
      if (output.pos - from >= (all ? 1 : SLICE_BYTES)) {
        ready.push(buffer.subarray(from, output.pos));
        from = output.pos;
      }
      return ready.splice(0);
    },
  };
  return output;
}
