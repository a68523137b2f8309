// The composition root: the only module that reads process.env and builds real collaborators
// (Storage client, S3 client factory, local Storage stand-in, HTTP server). Everything else
// receives them as dependencies.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createUploadSlots } from './http/upload-slots.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createS3ClientFor } from './s3/s3-client-for.js';
import { createStorageClient, type StorageClientDeps } from './storage-api/storage-client.js';
import { DEFAULT_JOB_POLL, type JobPollSettings } from './write-table/wait-for-job.js';

export interface RunningService {
  url: string;
  /** The Storage API the importer talks to (in local mode: this same server). */
  storageUrl: string;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  jobPoll?: JobPollSettings;
  retryPolicy?: StorageClientDeps['retryPolicy'];
  /** Local mode: extra tokens for the stand-in (tests reach accessDenied with them). */
  localTokens?: LocalTokenOption[];
  /** Node process metrics (RSS, heap, event loop) on /metrics; only the real process turns this on. */
  processMetrics?: boolean;
}

type LocalTokenOption = {
  token: string;
  description?: string;
  bucketPermissions?: Record<string, 'read' | 'write' | 'manage'>;
};

export async function startService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  let ownUrl = '';
  let localStorageApi: Hono | undefined;
  let s3Endpoint = { endpoint: config.s3Endpoint, forcePathStyle: config.s3ForcePathStyle };
  let closeLocalStorage = async () => {};
  if (config.mode === 'local') {
    const { createLocalStorage } = await import('./local-storage/local-storage.js');
    const local = await createLocalStorage({
      dataDir: config.localStorageDir,
      tokens: [
        { token: config.localStorageToken, description: 'Local master token', isMasterToken: true },
        ...(overrides.localTokens ?? []),
      ],
      s3Port: config.localS3Port,
      s3Host: '127.0.0.1',
      logger: logger.child({ component: 'local-storage' }),
    });
    localStorageApi = local.api;
    s3Endpoint = { endpoint: local.s3Endpoint, forcePathStyle: true };
    closeLocalStorage = () => local.close();
  }
  const storageUrl = () => config.kbcUrl ?? ownUrl;
  const metrics = createMetrics({ processMetrics: overrides.processMetrics ?? false });
  const app = createApp({
    logger,
    metrics,
    localStorageApi,
    writeTable: {
      metrics,
      storage: createStorageClient({
        baseUrl: storageUrl,
        retryPolicy: overrides.retryPolicy,
        onCall: (endpoint, status) => metrics.storageCalls.inc({ endpoint, status: String(status) }),
        onRetry: (endpoint) => metrics.retries.inc({ endpoint }),
      }),
      s3ClientFor: createS3ClientFor(s3Endpoint),
      uploadSlots: createUploadSlots(config.maxConcurrentUploads),
      logger,
      jobPoll: overrides.jobPoll ?? DEFAULT_JOB_POLL,
      limits: {
        maxFileBytes: config.maxFileBytes,
        partBytes: config.uploadPartBytes,
        queueSize: config.uploadQueueSize,
        idleTimeoutMs: config.idleTimeoutSeconds * 1000,
        defaultWaitSeconds: config.jobWaitSeconds,
        maxWaitSeconds: Math.max(config.jobWaitSeconds, 3600),
      },
    },
  });
  const server = serve({
    fetch: app.fetch,
    port: config.port,
    hostname: config.host,
    serverOptions: {
      // Uploads may take many minutes: no total request timeout; a stalled body is caught by the
      // importer's own idle watch (408). Slow headers are still cut off.
      requestTimeout: 0,
      headersTimeout: 30_000,
      keepAliveTimeout: 75_000,
    },
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  ownUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  return {
    url: ownUrl,
    storageUrl: storageUrl(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Connections still open after the grace period (a client holding a body) are cut.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await closeLocalStorage();
    },
  };
}

function printBanner(config: Config, service: RunningService): void {
  if (config.mode !== 'local') return;
  const lines = [
    '',
    `Table Importer (local mode) on ${service.url}`,
    `  Storage API stand-in: ${service.url}/v2/storage   token: ${config.localStorageToken}`,
    `  Data: ${config.localStorageDir}/`,
    '',
    '  Try it:',
    "    printf 'id,name\\n1,Alice\\n2,Bob\\n' > users.csv",
    `    curl -H 'X-StorageApi-Token: ${config.localStorageToken}' -F tableId=in.c-main.users -F data=@users.csv ${service.url}/write-table`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const service = await startService(config, logger, { processMetrics: true });
  logger.info({ url: service.url, mode: config.mode }, 'table importer listening');
  printBanner(config, service);
  const stop = async () => {
    await service.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) await main();
