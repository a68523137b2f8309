// Equal-sized part buffers for the file stores' uploads: lent out to be filled by copying body
// chunks into them and handed back once the part's request settled, so bytes are copied once into
// long-lived buffers instead of piling up as short-lived chunks. Keeps at most `maxIdle` idle ones.

export interface PartBufferPool {
  /** Size of every buffer (UPLOAD_PART_BYTES). */
  readonly bufferBytes: number;
  /** An idle buffer, or a new one (contents undefined: only the bytes written to it count). */
  take(): Buffer;
  /** Hands a buffer back; beyond `maxIdle` idle ones it is left to the garbage collector. */
  give(buffer: Buffer): void;
  /** Buffers lent out now, the most lent out at once, idle ones kept, ever allocated. */
  stats(): PartBufferPoolStats;
}

export interface PartBufferPoolStats {
  lent: number;
  peakLent: number;
  idle: number;
  allocated: number;
}

export function createPartBufferPool(options: { bufferBytes: number; maxIdle: number }): PartBufferPool {
  const idle: Buffer[] = [];
  let lent = 0;
  let peakLent = 0;
  let allocated = 0;
  return {
    bufferBytes: options.bufferBytes,
    take() {
      lent += 1;
      peakLent = Math.max(peakLent, lent);
      const reused = idle.pop();
      if (reused) return reused;
      allocated += 1;
      return Buffer.allocUnsafeSlow(options.bufferBytes);
    },
    give(buffer) {
      lent -= 1;
      if (idle.length < options.maxIdle && buffer.length === options.bufferBytes) idle.push(buffer);
    },
    stats: () => ({ lent, peakLent, idle: idle.length, allocated }),
  };
}
