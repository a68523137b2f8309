// A pass-through stream that counts bytes, enforces the per-request size limit inside the stream
// (so an oversized body fails instead of being truncated) and exposes the first bytes for sniffing.
import { Transform, type TransformCallback } from 'node:stream';
import { fileTooLarge } from '../errors.js';

export interface ByteCounter extends Transform {
  readonly bytes: number;
  /** Resolves with the first `headBytes` bytes (fewer at the end of a short body, empty for none). */
  readonly head: Promise<Buffer>;
}

export function createByteCounter(maxBytes: number, headBytes = 2): ByteCounter {
  let bytes = 0;
  let headChunks: Buffer[] = [];
  let headLength = 0;
  let headSettled = false;
  let resolveHead: (head: Buffer) => void = () => {};
  const head = new Promise<Buffer>((resolve) => {
    resolveHead = resolve;
  });
  const settleHead = () => {
    if (headSettled) return;
    headSettled = true;
    resolveHead(Buffer.concat(headChunks).subarray(0, headBytes));
    headChunks = [];
  };

  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        callback(fileTooLarge(maxBytes));
        return;
      }
      if (!headSettled) {
        headChunks.push(chunk);
        headLength += chunk.length;
        if (headLength >= headBytes) settleHead();
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      settleHead();
      callback();
    },
  }) as ByteCounter;
  counter.once('error', settleHead);
  Object.defineProperties(counter, {
    bytes: { get: () => bytes },
    head: { value: head },
  });
  return counter;
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}
