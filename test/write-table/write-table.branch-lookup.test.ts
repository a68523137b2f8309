// Regression: with the fields tableId, createTable=0, then branchId, the lookup started for the
// default branch (superseded once branchId arrived) answered "no such table" and failed the
// request with 404, although the table existed in the branch. Only the latest lookup counts.
// Remote mode against the stand-in, through a proxy that hides the table from the default branch
// (the stand-in itself has no dev branches; `branch/1/…` is its default branch).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { createLogger } from '../../src/logger.js';
import { type RunningService, startService } from '../../src/main.js';
import { multipart, writeTable } from '../support/http-client.js';
import { FAST_POLL } from '../support/local-service.js';
import { type StorageProxy, startStorageProxy } from '../support/storage-proxy.js';

const TOKEN = 'branch-lookup-token';
const UNSCOPED_TABLE = /^\/v2\/storage\/tables\/[^/]+$/;

/**
 * Answers every unscoped GET tables/{id} at once with Storage's 404 (before the branch lookup can
 * answer): the tables exist only in branch 1.
 */
function startBranchOnlyProxy(targetUrl: string): Promise<StorageProxy> {
  return startStorageProxy(targetUrl, {
    respond: ({ method, path }) =>
      method === 'GET' && UNSCOPED_TABLE.test(path)
        ? {
            status: 404,
            json: { status: 'error', error: 'Table not found', code: 'storage.tables.notFound' },
          }
        : undefined,
  });
}

describe('write-table looks the table up in the branch named last', () => {
  let dataDir: string;
  let storage: LocalStorageServer;
  let proxy: StorageProxy;
  let service: RunningService;
  const tableId = 'in.c-branch.people';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'table-importer-branch-'));
    const logger = createLogger('warn');
    storage = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: TOKEN, isMasterToken: true }],
      s3Port: 0,
      logger,
    });
    proxy = await startBranchOnlyProxy(storage.url);
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      KBC_URL: proxy.url,
      S3_ENDPOINT: storage.s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
    });
    service = await startService(config, logger, { jobPoll: FAST_POLL });
    const created = await writeTable(
      service.url,
      TOKEN,
      multipart(
        [
          ['tableId', tableId],
          ['branchId', '1'],
        ],
        'id,name\n1,a\n',
      ),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  });
  afterAll(async () => {
    await service?.close();
    await proxy?.close();
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('imports into the branch table when branchId comes after createTable=0', async () => {
    const { status, body } = await writeTable(
      service.url,
      TOKEN,
      multipart(
        [
          ['tableId', tableId],
          ['createTable', '0'],
          ['incremental', '1'],
          ['branchId', '1'],
        ],
        'id,name\n2,b\n',
      ),
    );
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ tableId, tableCreated: false, totalRowsCount: 2 });
  });

  it('still answers 404 when the table is missing in the branch named last', async () => {
    const { status, body } = await writeTable(
      service.url,
      TOKEN,
      multipart(
        [
          ['tableId', 'in.c-branch.absent'],
          ['createTable', '0'],
          ['branchId', '1'],
        ],
        'id\n1\n',
      ),
    );
    expect(status, JSON.stringify(body)).toBe(404);
    expect(body.code).toBe('storage.tables.notFound');
  });
});
