// Causes, not just codes: an unreachable Storage API or S3 is answered (and logged) with why —
// refused connection, DNS, TLS certificate, timeout, S3's status — and never with the token.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { describeCause } from '../../src/storage-api/describe-cause.js';
import { writeTable } from '../support/http-client.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const FAST_RETRIES = {
  retries: 1,
  minTimeoutMs: 1,
  maxTimeoutMs: 1,
  maxRetryTimeMs: 2_000,
  maxRetryAfterMs: 10,
  attemptTimeoutMs: 300,
};

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('upstream failures name their cause', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('describes real network failures and synthetic TLS ones', async () => {
    const port = await closedPort();
    const refused = await fetch(`http://127.0.0.1:${port}/x?token=secret-q`).catch((err: unknown) => err);
    expect(describeCause(refused)).toBe(`connection refused by 127.0.0.1:${port} (ECONNREFUSED)`);

    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const timedOut = await fetch(url, { signal: AbortSignal.timeout(50) }).catch((err: unknown) => err);
    expect(describeCause(timedOut, { timeoutMs: 50 })).toBe('no answer within 50 ms (timeout)');

    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND connection.nowhere.example'), {
        code: 'ENOTFOUND',
        hostname: 'connection.nowhere.example',
      }),
    });
    expect(describeCause(dns)).toBe('DNS lookup failed for connection.nowhere.example (ENOTFOUND)');
    const cert = new TypeError('fetch failed', {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    });
    expect(describeCause(cert)).toBe('TLS certificate error: CERT_HAS_EXPIRED (certificate has expired)');
    const s3 = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(describeCause(s3)).toBe('S3 answered HTTP 403 AccessDenied: Access Denied');
  });

  it('a refused Storage API: 502 storageUnreachable naming ECONNREFUSED, in the answer and the log', async () => {
    const port = await closedPort();
    const service: LocalService = await startLocalService(
      { KBC_URL: `http://127.0.0.1:${port}`, HOST: '127.0.0.1' },
      { retryPolicy: FAST_RETRIES },
    );
    cleanups.push(() => service.close());
    const answer = await writeTable(service.url, 'secret-token-123', 'id\n1\n', {
      query: { tableId: 'in.c-a.b' },
    });
    expect(answer.status).toBe(502);
    expect(answer.body.code).toBe('importer.storageUnreachable');
    expect(answer.body.error).toContain(`connection refused by 127.0.0.1:${port} (ECONNREFUSED)`);
    const logged = service.logs.find((line) => line.includes('"errorCode":"importer.storageUnreachable"'));
    expect(logged).toContain('ECONNREFUSED');
    expect(service.logs.join('\n')).not.toContain('secret-token-123');
  });

  it('a refused S3: 502 s3UploadFailed naming the cause, in the answer and the log', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'causes-storage-'));
    const storage: LocalStorageServer = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: 'master-secret-1', description: 'master', isMasterToken: true }],
      s3Port: 0,
      port: 0,
    });
    cleanups.push(async () => {
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const port = await closedPort();
    const service = await startLocalService(
      {
        KBC_URL: storage.url,
        HOST: '127.0.0.1',
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_FORCE_PATH_STYLE: 'true',
      },
      { retryPolicy: FAST_RETRIES },
    );
    cleanups.push(() => service.close());
    const answer = await writeTable(service.url, 'master-secret-1', 'id\n1\n', {
      query: { tableId: 'in.c-a.b' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(502);
    expect(answer.body.code).toBe('importer.s3UploadFailed');
    expect(answer.body.error).toContain('ECONNREFUSED');
    const logged = service.logs.find((line) => line.includes('"errorCode":"importer.s3UploadFailed"'));
    expect(logged).toContain('ECONNREFUSED');
    expect(service.logs.join('\n')).not.toContain('master-secret-1');
  });
});
