// Entry point that serves the local Storage stand-in alone (no importer), configured by the same
// variables as local mode: PORT (default 9080 here, beside an importer on 8080), HOST,
// LOCAL_STORAGE_DIR, LOCAL_STORAGE_TOKEN, LOCAL_S3_PORT, LOCAL_DUCKDB_MEMORY, LOCAL_FAULTS, LOCAL_FILE_PROVIDER.
// For running the importer in remote mode against it (`.ci/prod-smoke`). SIGTERM/SIGINT close it.
import { isEntryPoint, loadConfigOrExit, onStopSignals, startOrExit } from '../entry-point.js';
import { createLogger, createStdoutDestination } from '../logger.js';
import { createFaultInjector } from './faults/fault-injector.js';
import { startLocalStorageServer } from './local-storage.js';

/** Not the importer's 8080 (nor its S3 on 8081): the README runs both side by side. */
const STANDALONE_PORT = 9080;

async function serveLocalStorage(): Promise<void> {
  const config = loadConfigOrExit({ ...process.env, KBC_URL: undefined }, { port: STANDALONE_PORT });
  const logger = createLogger(config.logLevel, createStdoutDestination(process.stdout.isTTY === true));
  const server = await startLocalStorageServer({
    dataDir: config.localStorageDir,
    tokens: [{ token: config.localStorageToken, description: 'Local master token', isMasterToken: true }],
    port: config.port,
    host: config.host,
    s3Port: config.localS3Port,
    s3Host: config.host,
    duckdbMemoryLimit: config.localDuckdbMemory,
    fileProvider: config.localFileProvider,
    logger,
    ...(config.localFaults ? { faults: createFaultInjector(config.localFaults) } : {}),
  });
  // Before announcing the server: whoever reacts to the announcement may signal at once.
  onStopSignals(() => {
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'local storage close failed');
        process.exit(1);
      },
    );
  });
  const files = `${config.localFileProvider}: ${server.s3Endpoint}`;
  logger.info(
    { url: server.url, fileProvider: config.localFileProvider, fileEndpoint: server.s3Endpoint },
    'local storage listening',
  );
  process.stdout.write(
    `Local Storage API stand-in on ${server.url}/v2/storage (files ${files}, data: ${config.localStorageDir}/)\n`,
  );
}

if (isEntryPoint(import.meta.url)) await startOrExit(serveLocalStorage);
