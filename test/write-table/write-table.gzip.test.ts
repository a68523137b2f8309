import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';

const sha256 = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('gzip bodies and exact bytes in Storage', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  async function storedBytes(fileId: number): Promise<Buffer> {
    const file = (await (await service.storage(`files/${fileId}`)).json()) as { url: string };
    const download = await fetch(file.url);
    expect(download.status).toBe(200);
    return Buffer.from(await download.arrayBuffer());
  }

  const rows = Array.from({ length: 500 }, (_, i) => `${i},name ${i},"quoted ""${i}"""`).join('\n');
  const csv = Buffer.from(`id,name,note\n${rows}\n`);
  const gz = gzipSync(csv);

  it('detects gzip from the first bytes (not the name), stores it as *.csv.gz and imports every row', async () => {
    const { status, body } = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-gz.multipart']], gz, 'plain-name.csv'),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      totalRowsCount: 500,
      file: { name: 'multipart.csv.gz', compressed: true, sizeBytes: gz.length },
    });
    const file = body.file as { id: number };
    expect(sha256(await storedBytes(file.id))).toBe(sha256(gz));
    const preview = await service.previewRows('in.c-gz.multipart');
    expect(preview).toHaveLength(501);
    expect(sortedRows(preview)[1]).toEqual(['0', 'name 0', 'quoted "0"']);
  });

  it('raw gzip body (application/gzip) lands byte for byte', async () => {
    const { status, body } = await writeTable(service.url, service.token, gz, {
      query: { tableId: 'in.c-gz.raw' },
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(sha256(await storedBytes((body.file as { id: number }).id))).toBe(sha256(gz));
  });

  it('plain multipart bytes are stored exactly, BOM and CRLF included', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('id,name\r\n1,Žluťoučký kůň\r\n'),
    ]);
    const { status, body } = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-gz.plain']], bytes),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(sha256(await storedBytes((body.file as { id: number }).id))).toBe(sha256(bytes));
    expect(await service.previewRows('in.c-gz.plain')).toEqual([
      ['id', 'name'],
      ['1', 'Žluťoučký kůň'],
    ]);
  });

  it('a body larger than one S3 part goes through a multipart upload intact', async () => {
    const line = `${'x'.repeat(90)},${'y'.repeat(9)}\n`;
    const big = Buffer.from(`a,b\n${line.repeat(60_000)}`); // ~6 MiB > the 5 MiB part size used here
    const local = await startLocalService({ UPLOAD_PART_BYTES: String(5 * 1024 * 1024) });
    try {
      const { status, body } = await writeTable(local.url, local.token, big, {
        query: { tableId: 'in.c-gz.big' },
      });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.totalRowsCount).toBe(60_000);
      const file = (await (await local.storage(`files/${(body.file as { id: number }).id}`)).json()) as {
        url: string;
      };
      expect(sha256(Buffer.from(await (await fetch(file.url)).arrayBuffer()))).toBe(sha256(big));
    } finally {
      await local.close();
    }
  });
});
