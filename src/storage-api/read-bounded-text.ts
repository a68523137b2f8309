// Reads an upstream HTTP answer (Storage API, GCS) as text, at most `maxBytes` of it: an answer is
// never held whole whatever its size; past the cap the rest is cancelled and `truncated` is set.
export async function readBoundedText(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let held = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (held + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - held));
        await reader.cancel().catch(() => {});
        return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
      }
      chunks.push(value);
      held += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}
