// Every status row of PRODUCT.md §2.1, each asserted with its status and stable code.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/main.js';
import { multipart, writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';
import { metricSum } from '../support/reliability-service.js';

const IN_FLIGHT = 'table_importer_uploads_in_flight';

describe('write-table error statuses', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService(
      { MAX_FILE_BYTES: '1000', IDLE_TIMEOUT_SECONDS: '1' },
      { localTokens: [{ token: 'read-only-token', bucketPermissions: { 'in.c-errors': 'read' } }] },
    );
    const created = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-errors.people']], 'id,name\n1,a\n'),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  });
  afterAll(() => service.close());

  const send = (fields: Array<[string, string]>, data?: string, token: string | undefined = service.token) =>
    writeTable(service.url, token, multipart(fields, data));

  it.each([
    ['invalid tableId', [['tableId', 'main.users']], 'importer.invalidTableId'],
    ['tableId with a path traversal', [['tableId', 'in.c-x/../../etc.passwd']], 'importer.invalidTableId'],
    [
      'two-character delimiter',
      [
        ['tableId', 'in.c-errors.t'],
        ['delimiter', '||'],
      ],
      'importer.invalidDialect',
    ],
    [
      'enclosure with escapedBy',
      [
        ['tableId', 'in.c-errors.t'],
        ['enclosure', '"'],
        ['escapedBy', '\\'],
      ],
      'importer.invalidDialect',
    ],
    [
      'boolean that is not one',
      [
        ['tableId', 'in.c-errors.t'],
        ['incremental', 'yes'],
      ],
      'importer.invalidBoolean',
    ],
    [
      'negative wait',
      [
        ['tableId', 'in.c-errors.t'],
        ['wait', '-1'],
      ],
      'importer.invalidNumber',
    ],
    [
      'unknown field',
      [
        ['tableId', 'in.c-errors.t'],
        ['incrementl', '1'],
      ],
      'importer.unknownField',
    ],
    [
      'repeated field',
      [
        ['tableId', 'in.c-errors.t'],
        ['tableId', 'in.c-errors.u'],
      ],
      'importer.duplicateField',
    ],
    [
      'empty column name',
      [
        ['tableId', 'in.c-errors.t'],
        ['columns', 'a,,b'],
      ],
      'importer.invalidColumns',
    ],
    [
      'bad branch id',
      [
        ['tableId', 'in.c-errors.t'],
        ['branchId', '../x'],
      ],
      'importer.invalidBranchId',
    ],
    ['missing tableId', [['incremental', '1']], 'importer.missingField'],
  ] as Array<[string, Array<[string, string]>, string]>)('400 for %s', async (_name, fields, code) => {
    const { status, body } = await send(fields, 'id,name\n1,a\n');
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 'error', code, error: expect.any(String) });
  });

  it('400 importer.emptyData for an empty file, and no file is prepared', async () => {
    // Judged by this request alone: the files of earlier tests' refused requests are deleted in the
    // background after their answers, so a listing taken before and after may differ by those.
    const { status, body, headers } = await send([['tableId', 'in.c-errors.empty']], '');
    expect(status).toBe(400);
    expect(body.code).toBe('importer.emptyData');
    // Its request log line (written once the answer is out) names any file it prepared: none.
    const requestId = headers.get('x-request-id');
    const logged = await vi.waitFor(
      () => {
        const line = service.logs
          .map((text) => JSON.parse(text) as { msg?: string; requestId?: string; fileId?: number })
          .find((entry) => entry.msg === 'request' && entry.requestId === requestId);
        if (!line) throw new Error(`no request log line for ${requestId} yet`);
        return line;
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(logged).toMatchObject({ errorCode: 'importer.emptyData', tableId: 'in.c-errors.empty' });
    expect(logged.fileId).toBeUndefined();
    // Nor is there any file named after the table in Storage.
    const files = (await (await service.storage('files?tags[]=table-importer')).json()) as Array<{
      name: string;
    }>;
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((file) => file.name).filter((name) => name.startsWith('empty.'))).toEqual([]);
  });

  it('400 importer.missingData when no data part is sent', async () => {
    const { status, body } = await send([['tableId', 'in.c-errors.nodata']]);
    expect(status).toBe(400);
    expect(body.code).toBe('importer.missingData');
  });

  it('400 importer.malformedMultipart for a truncated multipart body', async () => {
    const response = await fetch(`${service.url}/write-table`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="tableId"\r\n\r\nin.c-errors.t\r\n--XYZ\r\nContent-Disp',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('importer.malformedMultipart');
  });

  it('400 importer.malformedMultipart for multipart without a boundary', async () => {
    const response = await fetch(`${service.url}/write-table`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'multipart/form-data' },
      body: 'whatever',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('importer.malformedMultipart');
  });

  it('400 with Storage code, message, exceptionId and job when the import job fails', async () => {
    const { status, body } = await send([['tableId', 'in.c-errors.people']], 'id\n2\n');
    expect(status).toBe(400);
    expect(body).toMatchObject({
      status: 'error',
      code: 'csvImport.columnsNotMatch',
      exceptionId: expect.any(String),
      job: { status: 'error', operationName: 'tableImport' },
    });
    expect(body.error).toContain('Missing columns: name');
  });

  it('401 importer.tokenMissing without a token', async () => {
    const { status, body } = await send([['tableId', 'in.c-errors.t']], 'id\n1\n', '');
    expect(status).toBe(401);
    expect(body.code).toBe('importer.tokenMissing');
  });

  it('401 storage.tokenInvalid for a token Storage rejects, never echoing it', async () => {
    const { status, body } = await send([['tableId', 'in.c-errors.t']], 'id\n1\n', 'not-a-real-token-123');
    expect(status).toBe(401);
    expect(body.code).toBe('storage.tokenInvalid');
    expect(JSON.stringify(body)).not.toContain('not-a-real-token-123');
  });

  it('403 accessDenied for a token that may only read the bucket', async () => {
    const { status, body } = await send(
      [['tableId', 'in.c-errors.people']],
      'id,name\n9,z\n',
      'read-only-token',
    );
    expect(status).toBe(403);
    expect(body.code).toBe('accessDenied');
    expect(await service.previewRows('in.c-errors.people')).toEqual([
      ['id', 'name'],
      ['1', 'a'],
    ]);
  });

  it('404 when the table is missing and createTable=0', async () => {
    const { status, body } = await send(
      [
        ['tableId', 'in.c-errors.absent'],
        ['createTable', '0'],
      ],
      'id\n1\n',
    );
    expect(status).toBe(404);
    expect(body.code).toMatch(/^storage\.(tables|buckets)\.notFound$/);
  });

  it('404 for an unknown branch', async () => {
    const { status, body } = await send(
      [
        ['tableId', 'in.c-errors.people'],
        ['branchId', '987654'],
      ],
      'id,name\n1,a\n',
    );
    expect(status).toBe(404);
    expect(body.code).toEqual(expect.any(String));
  });

  it('408 importer.requestTimeout when the client stalls mid-upload', async () => {
    const boundary = 'stall';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', service.token, boundary));
    await raw.write(
      chunk(`${fieldPart(boundary, 'tableId', 'in.c-errors.stalled') + fileHeader(boundary)}id\n1\n`),
    );
    const response = await raw.response(8000);
    raw.destroy();
    expect(response.status).toBe(408);
    expect(response.body.code).toBe('importer.requestTimeout');
  });

  it('413 importer.fileTooLarge from the stream when the size is not declared', async () => {
    const boundary = 'big';
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', service.token, boundary));
    await raw.write(chunk(fieldPart(boundary, 'tableId', 'in.c-errors.big') + fileHeader(boundary)));
    await raw.write(chunk(`id\n${'1\n'.repeat(1000)}`));
    const response = await raw.response();
    raw.destroy();
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('importer.fileTooLarge');
    expect(String(response.body.error)).toContain('1000 bytes');
  });

  it('413 at once from a declared Content-Length', async () => {
    const { status, body } = await writeTable(service.url, service.token, 'x'.repeat(5000), {
      query: { tableId: 'in.c-errors.big' },
    });
    expect(status).toBe(413);
    expect(body.code).toBe('importer.fileTooLarge');
  });

  it('415 importer.unsupportedMediaType for other content types', async () => {
    const { status, body } = await writeTable(service.url, service.token, 'id\n1\n', {
      query: { tableId: 'in.c-errors.t' },
      headers: { 'Content-Type': 'image/png' },
    });
    expect(status).toBe(415);
    expect(body.code).toBe('importer.unsupportedMediaType');
  });

  it('404 JSON for unknown routes', async () => {
    const response = await fetch(`${service.url}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('importer.notFound');
  });
});

describe('write-table capacity', () => {
  it('503 importer.atCapacity with Retry-After beyond MAX_CONCURRENT_UPLOADS', async () => {
    const service = await startLocalService({ MAX_CONCURRENT_UPLOADS: '1' });
    try {
      const boundary = 'hold';
      const holder = await openRaw(service.url);
      await holder.write(multipartHead('/write-table', service.token, boundary));
      await holder.write(
        chunk(`${fieldPart(boundary, 'tableId', 'in.c-cap.t') + fileHeader(boundary)}id\n1\n`),
      );
      // The holder has the only slot once the in-flight gauge shows it.
      await expect
        .poll(async () => metricSum(await (await fetch(`${service.url}/metrics`)).text(), IN_FLIGHT), {
          interval: 10,
        })
        .toBe(1);
      const { status, body, headers } = await writeTable(
        service.url,
        service.token,
        multipart([['tableId', 'in.c-cap.u']], 'id\n1\n'),
      );
      expect(status).toBe(503);
      expect(body.code).toBe('importer.atCapacity');
      expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
      await holder.write(chunk(`\r\n--${boundary}--\r\n`));
      await holder.write('0\r\n\r\n');
      expect((await holder.response()).status).toBe(200);
      holder.destroy();
    } finally {
      await service.close();
    }
  });
});

describe('write-table when Storage fails', () => {
  let upstream: Server;
  let upstreamUrl: string;
  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'Internal error',
          code: 'APPLICATION_ERROR',
          exceptionId: 'exception-abc123',
        }),
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  const fastRetries = {
    retries: 2,
    minTimeoutMs: 5,
    maxTimeoutMs: 20,
    maxRetryTimeMs: 2000,
    maxRetryAfterMs: 100,
    attemptTimeoutMs: 2000,
  };

  it('502 importer.storageFailed with the upstream status and exceptionId after retries', async () => {
    const service = await startService(
      loadConfig({ PORT: '0', KBC_URL: upstreamUrl }),
      createLogger('silent'),
      {
        retryPolicy: fastRetries,
      },
    );
    try {
      const { status, body } = await writeTable(
        service.url,
        'any-token',
        multipart([['tableId', 'in.c-x.y']], 'id\n1\n'),
      );
      expect(status).toBe(502);
      expect(body).toMatchObject({
        code: 'importer.storageFailed',
        upstreamStatus: 500,
        exceptionId: 'exception-abc123',
      });
    } finally {
      await service.close();
    }
  });

  it('502 importer.storageUnreachable when nothing listens', async () => {
    const service = await startService(
      loadConfig({ PORT: '0', KBC_URL: 'http://127.0.0.1:9' }),
      createLogger('silent'),
      {
        retryPolicy: fastRetries,
      },
    );
    try {
      const { status, body } = await writeTable(
        service.url,
        'any-token',
        multipart([['tableId', 'in.c-x.y']], 'id\n1\n'),
      );
      expect(status).toBe(502);
      expect(body.code).toBe('importer.storageUnreachable');
    } finally {
      await service.close();
    }
  });
});
