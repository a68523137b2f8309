// A generated 1 GiB body streams through with bounded memory. The tight RSS target belongs to the
// benchmark (npm run bench); this asserts a generous bound so a body buffered whole would fail.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const GIB = 1024 * 1024 * 1024;

/** A pull-based body: the next block is made only when the socket wants it. */
function generatedCsv(totalBytes: number): Readable {
  const line = Buffer.from(`${'x'.repeat(60)},${'y'.repeat(40)}\n`);
  const block = Buffer.concat(Array.from({ length: Math.floor((256 * 1024) / line.length) }, () => line));
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) {
        const header = Buffer.from('wrong_column,other\n');
        sent += header.length;
        this.push(header);
        return;
      }
      const remaining = totalBytes - sent;
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const piece = remaining >= block.length ? block : block.subarray(0, remaining);
      sent += piece.length;
      this.push(piece);
    },
  });
}

/** node:http with pipeline(), so the client honours backpressure (fetch with a stream body buffers). */
async function postStream(
  url: string,
  token: string,
  body: Readable,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = httpRequest(url, {
    method: 'POST',
    headers: { 'X-StorageApi-Token': token, 'Content-Type': 'text/csv' },
  });
  const responded = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  await pipeline(body, request);
  const response = await responded;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
}

describe('1 GiB upload', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService({ LOG_LEVEL: 'warn' });
    const created = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-big.t']], 'a,b\n1,2\n'),
    );
    expect(created.status).toBe(200);
  });
  afterAll(() => service.close());

  it('streams through with bounded memory and every byte reaches S3', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    try {
      // The header does not match the table, so the job fails fast after the full upload: the
      // upload is what is measured, not a 1 GiB table load.
      const { status, body } = await postStream(
        `${service.url}/write-table?tableId=in.c-big.t`,
        service.token,
        generatedCsv(GIB),
      );
      expect(status, JSON.stringify(body)).toBe(400);
      expect(body.code).toBe('csvImport.columnsNotMatch');
      expect((body.file as { sizeBytes: number }).sizeBytes).toBe(GIB);
    } finally {
      clearInterval(sampler);
    }
    const growthMiB = (peak - baseline) / 1024 / 1024;
    // Service + embedded S3 + this test's generator share the process: 8 MiB parts × (4 + 1) plus
    // stream buffers is ~60 MiB; 400 MiB still catches any whole-body buffering (1024 MiB).
    expect(growthMiB).toBeLessThan(400);
  }, 600_000);
});
