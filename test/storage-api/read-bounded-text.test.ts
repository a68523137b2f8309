// An upstream answer is read up to a cap, never held whole: past it the rest is cancelled.
import { describe, expect, it } from 'vitest';
import { readBoundedText } from '../../src/storage-api/read-bounded-text.js';

/** A streamed answer of `chunks`, recording whether the reader cancelled it and how much it pulled. */
function streamed(chunks: string[]) {
  const seen = { cancelled: false, pulled: 0 };
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index === chunks.length) return controller.close();
      seen.pulled += 1;
      controller.enqueue(new TextEncoder().encode(chunks[index++]));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { response: new Response(body), seen };
}

describe('readBoundedText', () => {
  it('reads an answer within the cap whole, multi-byte characters across chunks included', async () => {
    const bytes = new TextEncoder().encode('{"name":"Žluťoučký kůň"}');
    const parts = [bytes.subarray(0, 10), bytes.subarray(10, 11), bytes.subarray(11)];
    const response = new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    );
    expect(await readBoundedText(response, 1024)).toEqual({
      text: '{"name":"Žluťoučký kůň"}',
      truncated: false,
    });
  });

  it('stops at the cap, cancels the rest and says so', async () => {
    const { response, seen } = streamed(['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600), 'd'.repeat(600)]);
    const { text, truncated } = await readBoundedText(response, 1000);
    expect(truncated).toBe(true);
    expect(text).toBe('a'.repeat(600) + 'b'.repeat(400));
    expect(seen.cancelled).toBe(true);
    expect(seen.pulled).toBeLessThan(4);
  });

  it('an answer without a body is empty text', async () => {
    expect(await readBoundedText(new Response(null, { status: 204 }), 10)).toEqual({
      text: '',
      truncated: false,
    });
  });
});
