// Where the contract suite runs: the local Storage stand-in started in-process (port 0, fresh temp
// dataDir) unless KBC_TEST_URL and KBC_TEST_TOKEN point at a real Keboola stack. Stand-in-only
// powers (extra tokens with bucket permissions, restarts) exist only on the local target.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { LocalStorageToken } from '../../../src/local-storage/local-storage.js';
import {
  type LocalStorageServer,
  startLocalStorageServer,
} from '../../../src/local-storage/local-storage.js';

const remoteUrl = process.env.KBC_TEST_URL?.trim().replace(/\/+$/, '');
const remoteToken = process.env.KBC_TEST_TOKEN?.trim();

/** True when the suite targets the in-process stand-in (use with describe.runIf / it.skipIf). */
export const isLocalTarget = !(remoteUrl && remoteToken);

export const LOCAL_MASTER_TOKEN = 'contract-master-token';

export interface StorageTarget {
  readonly isLocal: boolean;
  /** `…/v2/storage` without a trailing slash. */
  readonly apiUrl: string;
  readonly token: string;
  /** Embedded S3 endpoint (local only); real prepare responses carry only a region. */
  readonly s3Endpoint: string | undefined;
  /** Local only: the temp dataDir of the stand-in. */
  readonly dataDir: string | undefined;
  /** Local only: stop the stand-in and start it again on the same dataDir. */
  restart(): Promise<void>;
  /** Local only: stop the stand-in (restart() starts it again). */
  stop(): Promise<void>;
  /** Remember a bucket to delete after the file's tests (real stack only; the stand-in is thrown away). */
  trackBucket(bucketId: string): void;
}

/**
 * Registers beforeAll/afterAll hooks and returns the target, usable inside tests.
 * `extraTokens` are added to the local stand-in next to the master token.
 */
export function useStorageTarget(options: { extraTokens?: LocalStorageToken[] } = {}): StorageTarget {
  let server: LocalStorageServer | undefined;
  let dataDir: string | undefined;
  const buckets: string[] = [];
  const tokens: LocalStorageToken[] = [
    { token: LOCAL_MASTER_TOKEN, description: 'Contract master token', isMasterToken: true },
    ...(options.extraTokens ?? []),
  ];
  const start = async () => {
    if (!dataDir) throw new Error('no dataDir');
    server = await startLocalStorageServer({ dataDir, tokens, s3Port: 0, port: 0 });
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    await running?.close();
  };

  const target: StorageTarget = {
    isLocal: isLocalTarget,
    get apiUrl() {
      if (!isLocalTarget) return `${remoteUrl}/v2/storage`;
      if (!server) throw new Error('The local Storage stand-in is not running');
      return `${server.url}/v2/storage`;
    },
    token: isLocalTarget ? LOCAL_MASTER_TOKEN : (remoteToken as string),
    get s3Endpoint() {
      return server?.s3Endpoint;
    },
    get dataDir() {
      return dataDir;
    },
    async restart() {
      if (!isLocalTarget) throw new Error('restart() is local-only');
      await stop();
      await start();
    },
    stop,
    trackBucket(bucketId) {
      buckets.push(bucketId);
    },
  };

  beforeAll(async () => {
    if (!isLocalTarget) return;
    dataDir = await mkdtemp(join(tmpdir(), 'storage-contract-'));
    await start();
  });
  afterAll(async () => {
    if (isLocalTarget) {
      await stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      return;
    }
    for (const bucketId of buckets) {
      await fetch(`${target.apiUrl}/buckets/${bucketId}?force=true&async=false`, {
        method: 'DELETE',
        headers: { 'X-StorageApi-Token': target.token },
      }).catch(() => undefined);
    }
  });
  return target;
}
