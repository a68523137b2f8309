// Child-process entry of the `split` topology: the local Storage stand-in (DuckDB tables, embedded
// S3) alone on its own ports, so the importer under test runs in remote mode in another process.
// Started by service-process.ts; stops on SIGTERM. Not a product entry point.
import { startLocalStorageServer } from '../src/local-storage/local-storage.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const server = await startLocalStorageServer({
  dataDir: required('BENCH_DATA_DIR'),
  tokens: [{ token: required('BENCH_TOKEN'), description: 'Bench master token', isMasterToken: true }],
  port: Number(required('BENCH_STORAGE_PORT')),
  s3Port: Number(required('BENCH_S3_PORT')),
});

process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
