// A client that goes away mid-upload: the S3 upload is abandoned, no job is started, and the
// server is fine for the next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';
import { metricSum } from '../support/reliability-service.js';

describe('client disconnect mid-upload', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService({ UPLOAD_PART_BYTES: String(5 * 1024 * 1024) });
  });
  afterAll(() => service.close());
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    metricSum(await (await fetch(`${service.url}/metrics`)).text(), name, labels);

  it('starts no job and leaves the server healthy', async () => {
    const boundary = 'gone';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', service.token, boundary));
    await raw.write(chunk(`${fieldPart(boundary, 'tableId', 'in.c-dc.t') + fileHeader(boundary)}id,name\n`));
    for (let i = 0; i < 12; i += 1) await raw.write(chunk(Buffer.alloc(1024 * 1024, '1,a\n')));
    // The upload is under way (Storage answered files/prepare), then the client goes.
    await expect
      .poll(() => metric('table_importer_storage_api_calls_total', { endpoint: 'files/prepare' }))
      .toBe(1);
    raw.destroy();
    // The request has ended on the server side.
    await expect.poll(() => metric('table_importer_uploads_in_flight')).toBe(0);

    expect(await service.listJobs()).toEqual([]);
    const missing = await service.storage('tables/in.c-dc.t');
    expect(missing.status).toBe(404);
    const { status } = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-dc.t']], 'id,name\n1,a\n'),
    );
    expect(status).toBe(200);
    expect(await service.previewRows('in.c-dc.t')).toEqual([
      ['id', 'name'],
      ['1', 'a'],
    ]);
    expect(service.logs.some((line) => line.includes('"status":500'))).toBe(false);
  });
});
