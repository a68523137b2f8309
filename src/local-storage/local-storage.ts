// The local Storage stand-in, assembled: metadata, the DuckDB table store, the embedded S3, the job
// runner and the Hono API (routes relative to /v2/storage). `createLocalStorage` is what local mode
// mounts on the importer's server; `startLocalStorageServer` serves it alone, for tests.
import { mkdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { DEFAULT_DUCKDB_MEMORY } from '../config.js';
import type { Logger } from '../logger.js';
import { toListenError } from '../startup-failure.js';
import { createStorageApp } from './api/storage-app.js';
import { createTokenRegistry, type LocalStorageToken } from './auth/tokens.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import type { FaultInjector } from './faults/fault-injector.js';
import { startFaultLayer } from './faults/fault-layer.js';
import type { LocalFileProvider, LocalFileStorage } from './files/local-file-storage.js';
import { startLocalFileStorage } from './files/start-local-file-storage.js';
import { createJobRunner, markInterruptedJobs } from './jobs/job-runner.js';
import { createTableJobs, reconcileInterruptedJobs, recoverCommittedJobs } from './jobs/table-jobs.js';
import { openMetadataStore } from './metadata/metadata-store.js';
import { MOUNT_PATH } from './protocol/storage-response.js';
import { openTableStore, type TableStore } from './tables/table-store.js';

export type { BucketPermission, LocalStorageToken } from './auth/tokens.js';

export interface LocalStorageOptions {
  /** Everything persists here: metadata.json, tables.duckdb, s3/ | azurite/ | gcs/ (objects), tmp/. */
  dataDir: string;
  /** The embedded file storage files/prepare answers for: s3rver (default), Azurite or the GCS stand-in. */
  fileProvider?: LocalFileProvider;
  /** At least one master token; extra tokens may carry per-bucket permissions. */
  tokens: LocalStorageToken[];
  /** Port of the embedded file storage (S3, Azurite or GCS stand-in); 0 picks a free one. */
  s3Port: number;
  /** Address the embedded file storage binds to and advertises; default 127.0.0.1. */
  s3Host?: string;
  /** DuckDB memory_limit (e.g. `512MB`), default DEFAULT_DUCKDB_MEMORY; it spills to `tmp/duckdb/`. */
  duckdbMemoryLimit?: string;
  logger?: Logger;
  now?: () => Date;
  /**
   * Fault injection (off when absent): Storage answers, S3 uploads (through a proxy advertised as
   * the S3 endpoint) and job runs fail or slow down as the injector decides. See faults/.
   */
  faults?: FaultInjector;
}

export interface LocalStorage {
  /** Routes relative to /v2/storage: mount with `app.route('/v2/storage', api)`. */
  api: Hono;
  fileProvider: LocalFileProvider;
  /**
   * Where clients send their uploads (the real prepare response has no endpoint): the S3 endpoint,
   * the Blob endpoint with its account (AZURE_BLOB_ENDPOINT) or the GCS API base (GCS_ENDPOINT).
   */
  fileEndpoint: string;
  /** The same as fileEndpoint (named for the default provider, aws). */
  s3Endpoint: string;
  /** Lets running jobs finish, marks queued ones interrupted, stops S3 and closes DuckDB. */
  close(): Promise<void>;
}

export async function createLocalStorage(options: LocalStorageOptions): Promise<LocalStorage> {
  const now = options.now ?? (() => new Date());
  const tokens = createTokenRegistry(options.tokens);
  const tempDir = join(options.dataDir, 'tmp');
  await mkdir(options.dataDir, { recursive: true });
  // Before anything else in the directory: a second process must not clean the first one's files.
  const lock = await acquireDataDirLock(options.dataDir);
  const cleanups: (() => Promise<void>)[] = [() => lock.release()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => options.logger?.error({ err }, 'local storage close failed'));
    }
  };
  try {
    await rm(tempDir, { recursive: true, force: true });
    await mkdir(tempDir, { recursive: true });
    const metadata = await openMetadataStore({ dataDir: options.dataDir, now });
    const tableStore: TableStore = await openTableStore({
      dbPath: join(options.dataDir, 'tables.duckdb'),
      memoryLimit: options.duckdbMemoryLimit ?? DEFAULT_DUCKDB_MEMORY,
      spillDir: join(tempDir, 'duckdb'),
    });
    cleanups.push(() => tableStore.close());
    const recovered = await recoverCommittedJobs({ metadata, tableStore, logger: options.logger });
    if (recovered.length > 0) {
      options.logger?.warn({ jobIds: recovered }, 'finished jobs whose data was committed before a crash');
    }
    const interrupted = markInterruptedJobs(metadata, now());
    if (interrupted.length > 0) {
      options.logger?.warn({ jobIds: interrupted.map((job) => job.id) }, 'marked interrupted jobs as failed');
    }
    await reconcileInterruptedJobs(interrupted, { metadata, tableStore, logger: options.logger });
    // Every job's end is durable in metadata now; the outcomes kept for this recovery can go.
    await metadata.save();
    await tableStore.clearJobOutcomes();

    const fileStorage: LocalFileStorage = await startLocalFileStorage({
      provider: options.fileProvider ?? 'aws',
      dataDir: options.dataDir,
      host: options.s3Host ?? '127.0.0.1',
      port: options.s3Port,
      signingSecret: metadata.state.urlSigningSecret,
    });
    cleanups.push(() => fileStorage.close());
    // The fault proxy forwards any HTTP: it fronts Azurite and the GCS stand-in as it fronts s3rver.
    const ownOrigin = new URL(fileStorage.endpoint).origin;
    const faults = options.faults
      ? await startFaultLayer(options.faults, {
          s3Endpoint: ownOrigin,
          host: options.s3Host ?? '127.0.0.1',
          logger: options.logger,
        })
      : undefined;
    if (faults) cleanups.push(() => faults.close());
    if (faults) fileStorage.advertise(faults.s3Endpoint);
    const runner = createJobRunner({ metadata, logger: options.logger, now });
    const jobs = faults ? faults.wrapJobs(runner) : runner;
    cleanups.push(() => jobs.close());
    const tableJobs = createTableJobs({ metadata, tableStore, fileStorage, tempDir, now });
    const api = createStorageApp({
      metadata,
      tableStore,
      fileStorage,
      jobs,
      tableJobs,
      tokens,
      tempDir,
      logger: options.logger,
      now,
    });

    // The last save runs before the lock is released (cleanups run in reverse).
    cleanups.splice(1, 0, () => metadata.saveOnClose());
    let closing: Promise<void> | undefined;
    return {
      api: faults ? faults.wrapApi(api) : api,
      fileProvider: fileStorage.provider,
      fileEndpoint: fileStorage.endpoint,
      s3Endpoint: fileStorage.endpoint,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

export interface LocalStorageServer {
  /** Base URL of the stack, e.g. `http://127.0.0.1:41234`; the API is at `${url}/v2/storage`. */
  url: string;
  s3Endpoint: string;
  close(): Promise<void>;
}

/** The stand-in on its own HTTP server (port 0 = any free port), for tests. */
export async function startLocalStorageServer(
  options: LocalStorageOptions & { port?: number; host?: string },
): Promise<LocalStorageServer> {
  const storage = await createLocalStorage(options);
  const host = options.host ?? '127.0.0.1';
  const app = new Hono();
  app.route(MOUNT_PATH, storage.api);
  let server: ServerType;
  try {
    server = await listen(app, options.port ?? 0, host);
  } catch (err) {
    await storage.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    s3Endpoint: storage.s3Endpoint,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await storage.close();
    },
  };
}

function listen(app: Hono, port: number, host: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host });
    const onError = (err: Error) => reject(toListenError(err, 'http', host, port));
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
