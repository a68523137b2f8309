// Entry point that serves the local Storage stand-in alone (no importer), configured by the same
// variables as local mode: PORT, HOST, LOCAL_STORAGE_DIR, LOCAL_STORAGE_TOKEN, LOCAL_S3_PORT, LOCAL_FAULTS.
// For running the importer in remote mode against it (`.ci/prod-smoke`). SIGTERM/SIGINT close it.
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createFaultInjector } from './faults/fault-injector.js';
import { startLocalStorageServer } from './local-storage.js';

async function serveLocalStorage(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, KBC_URL: undefined });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const server = await startLocalStorageServer({
    dataDir: config.localStorageDir,
    tokens: [{ token: config.localStorageToken, description: 'Local master token', isMasterToken: true }],
    port: config.port,
    host: config.host,
    s3Port: config.localS3Port,
    s3Host: config.host,
    logger,
    ...(config.localFaults ? { faults: createFaultInjector(config.localFaults) } : {}),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'local storage close failed');
        process.exit(1);
      },
    );
  };
  // Before announcing the server: whoever reacts to the announcement may signal at once.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  logger.info({ url: server.url, s3Endpoint: server.s3Endpoint }, 'local storage listening');
  process.stdout.write(
    `Local Storage API stand-in on ${server.url}/v2/storage (S3: ${server.s3Endpoint}, data: ${config.localStorageDir}/)\n`,
  );
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) await serveLocalStorage();
