// Hostile requests against the local Storage stand-in itself (not through the importer): each gets
// a Storage-style 4xx with a stable code, never a 5xx, and the stand-in keeps serving afterwards.
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createContractClient, type Json } from '../contract/support/storage-client.js';
import { useStorageTarget } from '../contract/support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

/** A raw request with a chunked (no Content-Length) body streamed in `chunks`. */
function chunkedPost(
  path: string,
  contentType: string,
  chunks: Iterable<Buffer>,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${target.apiUrl}/${path}`);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'X-StorageApi-Token': target.token,
          'Content-Type': contentType,
          'Transfer-Encoding': 'chunked',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += String(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', (err) => {
      // The stand-in may close the connection once it has answered the oversized body.
      if (
        (err as NodeJS.ErrnoException).code !== 'EPIPE' &&
        (err as NodeJS.ErrnoException).code !== 'ECONNRESET'
      )
        reject(err);
    });
    const write = async () => {
      for (const chunk of chunks) {
        if (req.destroyed) return;
        if (!req.write(chunk)) await new Promise((drain) => req.once('drain', drain));
      }
      req.end();
    };
    write().catch(reject);
  });
}

async function expectServing(): Promise<void> {
  expect((await api.get('tokens/verify')).status).toBe(200);
}

describe('prototype property names as ids', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__'];

  it.each(names)('bucket %s is a 404, never a phantom', async (name) => {
    const response = await api.get(`buckets/${name}`);
    expect(response.status, response.text).toBe(404);
    expect(response.body.code).toBe('storage.buckets.notFound');
  });

  it.each(names)('table %s (and in.c-x.%s) is a 404', async (name) => {
    for (const tableId of [name, `in.c-missing.${name}`, `${name}.${name}`]) {
      const response = await api.get(`tables/${tableId}`);
      expect(response.status, response.text).toBeGreaterThanOrEqual(400);
      expect(response.status, response.text).toBeLessThan(500);
    }
  });

  it.each(names)('a table create in bucket %s is a 404', async (name) => {
    const response = await api.post(`buckets/${name}/tables-async`, { json: { name: 't', dataFileId: 1 } });
    expect(response.status, response.text).toBe(404);
    expect(response.body.code).toBe('storage.buckets.notFound');
  });

  it('a bucket listing stays clean after the probes', async () => {
    const response = await api.get('buckets');
    expect(response.status).toBe(200);
    expect(response.body.map((bucket: Json) => bucket.id)).not.toContain('__proto__');
    await expectServing();
  });
});
