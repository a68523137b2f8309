// The streaming UTF-8 check answers the same at every chunk split as on the whole body: a character
// cut across chunks is finished from the next chunk's first bytes, and the bad byte's offset holds.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect, it } from 'vitest';
import { createUtf8Check } from '../../src/ingest/check-utf8.js';

/** The offset the check reports, or -1 when the body passes. */
async function firstBadOffset(chunks: Buffer[]): Promise<number> {
  try {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    await pipeline(Readable.from(chunks), createUtf8Check(), sink);
    return -1;
  } catch (err) {
    return (err as { details: { offset: number } }).details.offset;
  }
}

it('agrees with the whole-body answer at every chunk size from 1 to 5 bytes', async () => {
  const bodies = [
    Buffer.from('aé€😀b'.repeat(5)),
    Buffer.concat([Buffer.from('aé€😀'), Buffer.from([0xe2, 0x28]), Buffer.from('x')]),
    Buffer.concat([Buffer.from('ab€'), Buffer.from([0xf0, 0x9f])]),
  ];
  const answers = [];
  for (const body of bodies) {
    const whole = await firstBadOffset([body]);
    answers.push(whole);
    for (let size = 1; size <= 5; size += 1) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size));
      expect(await firstBadOffset(chunks)).toBe(whole);
    }
  }
  expect(answers).toEqual([-1, 10, 5]);
});
