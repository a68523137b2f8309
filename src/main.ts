// The composition root: the only module that reads process.env and builds real collaborators
// (Storage client, S3 client factory, local Storage stand-in, HTTP server). Everything else
// receives them as dependencies.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { isEntryPoint, loadConfigOrExit, onStopSignals, startOrExit } from './entry-point.js';
import { createFileStores } from './file-stores/file-store-for.js';
import { answerClientError } from './http/client-error.js';
import { closeServer, createDrain, type DrainOutcome } from './http/drain.js';
import { deferContinue } from './http/expect-continue.js';
import { createUploadSlots } from './ingest/upload-slots.js';
import { LocalModeNotInstalledError, missingLocalModePackage } from './local-mode-packages.js';
import type { FaultInjector } from './local-storage/faults/fault-injector.js';
import type { LocalStorage } from './local-storage/local-storage.js';
import { createLogger, createStdoutDestination, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { JobSearchSettings } from './routes/write-table/find-started-job.js';
import type { IdempotencySettings } from './routes/write-table/idempotency/decide-keyed-import.js';
import type { JobPollSettings } from './routes/write-table/wait-for-job.js';
import { importerSettingsFrom } from './settings.js';
import { toListenError } from './startup-failure.js';
import { createStorageClient, type StorageClientDeps } from './storage-api/storage-client.js';

export interface RunningService {
  url: string;
  /** The Storage API the importer talks to (in local mode: this same server). */
  storageUrl: string;
  /** Stops at once: in-flight requests get 2 s, then their connections are cut. */
  close(): Promise<void>;
  /**
   * Graceful stop: new requests get 503 `importer.shuttingDown`; in-flight ones get `drainMs` to
   * finish (then uploads are refused and job waits answer 202); then the server closes and, in
   * local mode, the Storage stand-in (which served the importer until then) and its S3 close.
   */
  shutdown(options: { drainMs: number }): Promise<DrainOutcome>;
}

export interface ServiceOverrides {
  jobPoll?: JobPollSettings;
  jobSearch?: JobSearchSettings;
  retryPolicy?: StorageClientDeps['retryPolicy'];
  /** Local mode: fault injection in the stand-in (tests keep the injector to reconfigure it); wins over LOCAL_FAULTS. */
  localFaults?: FaultInjector;
  /** How long a client may take to send its request headers (default 30 s). */
  headersTimeoutMs?: number;
  /** Local mode: extra tokens for the stand-in (tests reach accessDenied with them). */
  localTokens?: LocalTokenOption[];
  /** Node process metrics (RSS, heap, event loop) on /metrics; only the real process turns this on. */
  processMetrics?: boolean;
  /** Progress streams (Accept: application/x-ndjson): heartbeat interval; tests use ~50 ms. */
  progressHeartbeatMs?: number;
  /** Idempotency-Key timing (tests shorten the waits). */
  idempotency?: Partial<IdempotencySettings>;
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
  const local = config.mode === 'local' ? await startLocalMode(config, logger, overrides) : undefined;
  const closeLocalStorage = async () => {
    await local?.close();
  };
  let ownUrl = '';
  const storageUrl = () => config.kbcUrl ?? ownUrl;
  const metrics = createMetrics({ processMetrics: overrides.processMetrics ?? false });
  const drain = createDrain();
  const storage = createStorageClient({
    baseUrl: storageUrl,
    retryPolicy: overrides.retryPolicy,
    onCall: (endpoint, status) => metrics.storageCalls.inc({ endpoint, status: String(status) }),
    onRetry: (endpoint) => metrics.retries.inc({ endpoint }),
  });
  const app = createApp({
    logger,
    metrics,
    localStorageApi: local?.api,
    drain,
    browserPage: { storage, localToken: local ? config.localStorageToken : undefined },
    writeTable: {
      metrics,
      drainDeadline: drain.deadline,
      storage,
      fileStores: createFileStores({
        settings: { partBytes: config.uploadPartBytes, queueSize: config.uploadQueueSize },
        // Local mode points the store of its one provider at the embedded file storage.
        s3:
          local?.fileProvider === 'aws'
            ? { endpoint: local.fileEndpoint, forcePathStyle: true }
            : { endpoint: config.s3Endpoint, forcePathStyle: config.s3ForcePathStyle },
        azureBlobEndpoint: local?.fileProvider === 'azure' ? local.fileEndpoint : config.azureBlobEndpoint,
        gcsEndpoint: local?.fileProvider === 'gcp' ? local.fileEndpoint : config.gcsEndpoint,
      }),
      uploadSlots: createUploadSlots(config.maxConcurrentUploads),
      logger,
      settings: importerSettingsFrom(config, overrides),
    },
  });
  let server: Server;
  try {
    server = await listen(app.fetch, config, overrides.headersTimeoutMs ?? 30_000);
  } catch (err) {
    // The port is taken (or the like): nothing serves the stand-in, so it must not keep running.
    await closeLocalStorage();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  ownUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  return {
    url: ownUrl,
    storageUrl: storageUrl(),
    async close() {
      await closeServer(server, 2_000);
      await closeLocalStorage();
    },
    async shutdown({ drainMs }) {
      const drained = drain.start(drainMs);
      // Idle keep-alive connections go now, except in local mode: there some are the importer's
      // own pooled connections to its stand-in, and one could be closed under a job-starting POST.
      // Every answer given while draining carries `Connection: close`, so those go soon anyway.
      if (config.mode === 'remote') server.closeIdleConnections();
      const outcome = await drained;
      await closeServer(server, 1_000);
      await closeLocalStorage();
      return outcome;
    },
  };
}

/** Local mode: the Storage stand-in (mounted on the importer's own server) and its embedded S3. */
async function startLocalMode(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides,
): Promise<LocalStorage> {
  // Imported on demand, so remote mode does not load the stand-in (nor its fault injection), and a
  // production install, which leaves out its packages (DuckDB, s3rver), still runs remote mode.
  const [{ createLocalStorage }, { createFaultInjector }, { describeFaultPlan }] = await Promise.all([
    import('./local-storage/local-storage.js'),
    import('./local-storage/faults/fault-injector.js'),
    import('./local-storage/faults/fault-plan.js'),
  ]).catch((err: unknown) => {
    const missing = missingLocalModePackage(err);
    throw missing === undefined ? err : new LocalModeNotInstalledError(missing, { cause: err });
  });
  const faults =
    overrides.localFaults ?? (config.localFaults ? createFaultInjector(config.localFaults) : undefined);
  if (faults) logger.warn({ faults: describeFaultPlan(faults.plan) }, 'fault injection is on');
  return createLocalStorage({
    dataDir: config.localStorageDir,
    tokens: [
      { token: config.localStorageToken, description: 'Local master token', isMasterToken: true },
      ...(overrides.localTokens ?? []),
    ],
    s3Port: config.localS3Port,
    s3Host: '127.0.0.1',
    duckdbMemoryLimit: config.localDuckdbMemory,
    fileProvider: config.localFileProvider,
    logger: logger.child({ component: 'local-storage' }),
    faults,
  });
}

/** Serves `fetch` on PORT/HOST; resolves once listening, rejects if listening failed. */
async function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  config: Config,
  headersTimeoutMs: number,
): Promise<Server> {
  const server = serve({
    fetch,
    port: config.port,
    hostname: config.host,
    serverOptions: {
      // Uploads may take many minutes: no total request timeout; a stalled body is caught by the
      // importer's own idle watch (408). Slow headers are still cut off.
      requestTimeout: 0,
      headersTimeout: headersTimeoutMs,
      // Node enforces the header timeout only on this check interval (default 30 s).
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, headersTimeoutMs / 4)),
      keepAliveTimeout: 75_000,
      // Node would answer a missing Host with a bodiless 400; app.ts refuses it with the JSON error.
      requireHostHeader: false,
    },
  }) as Server;
  // Requests Node rejects before routing (bad framing, huge headers) still get a JSON error body.
  server.on('clientError', answerClientError);
  // No 100 Continue before the upload routes' checks passed (they send it as they start reading).
  deferContinue(server);
  // Rejects on 'error' before 'listening'; either way no listener of its own stays attached.
  try {
    await once(server, 'listening');
  } catch (err) {
    throw toListenError(err, 'http', config.host, config.port);
  }
  return server;
}

const FILE_STORAGE_NAMES = {
  aws: 'S3 (embedded s3rver)',
  azure: 'Azure Blob Storage (embedded Azurite)',
  gcp: 'Google Cloud Storage (embedded GCS API stand-in)',
} as const;

function printBanner(config: Config, service: RunningService): void {
  if (config.mode !== 'local') return;
  const lines = [
    '',
    `Table Importer (local mode) on ${service.url}`,
    `  Storage API stand-in: ${service.url}/v2/storage   token: ${config.localStorageToken}`,
    `  Files: ${FILE_STORAGE_NAMES[config.localFileProvider]} (LOCAL_FILE_PROVIDER=${config.localFileProvider})`,
    `  Data: ${config.localStorageDir}/`,
    '',
    '  Try it:',
    "    printf 'id,name\\n1,Alice\\n2,Bob\\n' > users.csv",
    `    curl -H 'X-StorageApi-Token: ${config.localStorageToken}' -F tableId=in.c-main.users -F data=@users.csv ${service.url}/write-table`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The AWS SDK prints "NodeVersionSupportWarning: … will require node >=22" once per process on
 * Node 20, which we support: users cannot act on it. The SDK's own switch turns off exactly that
 * notice (not other warnings); an explicit setting in the environment still wins.
 */
function silenceSdkNodeVersionNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

async function main(): Promise<void> {
  silenceSdkNodeVersionNotice();
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel, createStdoutDestination(process.stdout.isTTY === true));
  const service = await startService(config, logger, { processMetrics: true });
  // Before announcing the service: whoever reacts to the announcement may signal at once.
  installShutdownSignals(service, config, logger);
  logger.info(
    {
      url: service.url,
      mode: config.mode,
      ...(config.mode === 'local' ? { fileProvider: config.localFileProvider } : {}),
    },
    'table importer listening',
  );
  printBanner(config, service);
}

/**
 * SIGTERM/SIGINT start the drain (DRAIN_SECONDS) and exit 0 once everything closed; a second
 * signal exits at once with 128 + its number (143 for SIGTERM, 130 for SIGINT).
 */
function installShutdownSignals(service: RunningService, config: Config, logger: Logger): void {
  onStopSignals(
    (signal) => {
      const drainMs = config.drainSeconds * 1000;
      logger.info(
        { signal, drainSeconds: config.drainSeconds },
        'shutting down: draining in-flight requests',
      );
      // Last resort if closing hangs (it should not): well before Fly's kill_timeout SIGKILL.
      setTimeout(() => {
        logger.error('shutdown did not finish in time; exiting');
        process.exit(1);
      }, drainMs + 15_000).unref();
      service.shutdown({ drainMs }).then(
        (outcome) => {
          logger.info(outcome, 'shut down');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    },
    {
      onSecondSignal: (signal, exitCode) =>
        logger.warn({ signal, exitCode }, 'second signal: exiting without waiting'),
    },
  );
}

if (isEntryPoint(import.meta.url)) await startOrExit(main);
