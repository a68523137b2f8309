// Starts the service under test as a child process on free loopback ports and stops it again.
// `local`: the importer in local mode (stand-in + embedded S3 in the same process, as `npm start`).
// `split`: the stand-in alone in one process and the importer in remote mode in another, pointed at
// it (KBC_URL, S3_ENDPOINT), so the importer's own CPU and memory are not mixed with s3rver's.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionMallocEnv, productionNodeFlags } from './production-node-flags.js';

export type Topology = 'local' | 'split';
/** LOCAL_FILE_PROVIDER of the stand-in: s3rver, Azurite or the GCS API stand-in. */
export type Provider = 'aws' | 'azure' | 'gcp';
/** `tsx`: `node --import tsx src/main.ts` (what `npm start` runs); `dist`: compiled, as the image runs. */
export type Runtime = 'tsx' | 'dist';

export interface ServiceOptions {
  topology: Topology;
  runtime: Runtime;
  /** Default aws. */
  provider?: Provider;
  /** Extra environment for the importer (UPLOAD_PART_BYTES, MAX_CONCURRENT_UPLOADS, …). */
  env: Record<string, string>;
  /** Extra node flags for the importer (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /**
   * The importer's own node flags with runtime `dist`: by default the Dockerfile CMD's (what
   * production runs); `[]` runs plain `node`. Not used with `tsx` (`npm start` passes none).
   */
  importerNodeFlags?: string[];
  /** The importer's stdout goes to this file (with --trace-gc: its GC log); discarded otherwise. */
  stdoutFile?: string;
}

export interface ServiceProcess {
  /** Base URL of the importer (`/write-table`). */
  url: string;
  /** Base URL of the Storage API stand-in (`/v2/storage/...`). */
  storageUrl: string;
  /** The embedded file storage: S3 endpoint, Azure Blob endpoint (account included) or GCS API base. */
  s3Endpoint: string;
  provider: Provider;
  token: string;
  /** The importer's process id. */
  pid: number;
  /** The process that runs the embedded S3 (the importer itself in `local`). */
  storagePid: number;
  stop(): Promise<void>;
}

const ROOT = new URL('..', import.meta.url).pathname;
/**
 * Outside the tree (other work must not see it), one per checkout (benches of two worktrees must not
 * rebuild each other's); a node_modules link lets its imports resolve.
 */
const DIST_DIR = join(
  tmpdir(),
  `table-importer-bench-dist-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
);
const TOKEN = 'bench-token';
const READY_TIMEOUT_MS = 60_000;

let distBuilt = false;
/** Every child still running: an interrupted bench takes them down with it. */
const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/** Compiles src/ once per bench run, as `npm run build` does, into DIST_DIR. */
export function buildDist(): void {
  if (distBuilt) return;
  rmSync(DIST_DIR, { recursive: true, force: true });
  // The build script, not bare tsc: it also copies the browser page's static files next to the code.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outDir', DIST_DIR], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  symlinkSync(join(ROOT, 'node_modules'), join(DIST_DIR, 'node_modules'));
  writeFileSync(join(DIST_DIR, 'package.json'), '{"type":"module"}\n');
  distBuilt = true;
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'table-importer-bench-'));
  dataDirs.add(dataDir);
  const children: ManagedChild[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await child.stop();
    await rm(dataDir, { recursive: true, force: true });
    dataDirs.delete(dataDir);
  };
  try {
    const [port, s3Port] = await freePorts(2);
    const importerEntry =
      options.runtime === 'dist'
        ? [...(options.importerNodeFlags ?? productionNodeFlags(ROOT)), join(DIST_DIR, 'main.js')]
        : ['--import', 'tsx', join(ROOT, 'src', 'main.ts')];
    if (options.runtime === 'dist') buildDist();
    const provider = options.provider ?? 'aws';
    const common = { LOG_LEVEL: 'warn', NODE_NO_WARNINGS: '1' };
    /** The compiled importer alone gets the image's malloc settings, like its node flags (a variant's env wins). */
    const productionEnv = options.runtime === 'dist' ? productionMallocEnv(ROOT) : {};
    const filesUrl = `http://127.0.0.1:${s3Port}${provider === 'azure' ? '/devstoreaccount1' : ''}`;
    /** Remote mode finds the stand-in's file storage the way it would find a real stack's. */
    const endpointEnv: Record<string, string> =
      provider === 'aws'
        ? { S3_ENDPOINT: filesUrl, S3_FORCE_PATH_STYLE: 'true' }
        : provider === 'azure'
          ? { AZURE_BLOB_ENDPOINT: filesUrl }
          : { GCS_ENDPOINT: filesUrl };

    if (options.topology === 'local') {
      const importer = spawnChild(
        'importer',
        [...(options.nodeArgs ?? []), ...importerEntry],
        {
          ...common,
          PORT: String(port),
          LOCAL_S3_PORT: String(s3Port),
          LOCAL_STORAGE_DIR: dataDir,
          LOCAL_STORAGE_TOKEN: TOKEN,
          LOCAL_FILE_PROVIDER: provider,
          ...options.env,
        },
        options.stdoutFile,
      );
      children.push(importer);
      const url = `http://127.0.0.1:${port}`;
      await waitUntilReady(`${url}/health`, importer);
      return {
        url,
        storageUrl: url,
        s3Endpoint: filesUrl,
        provider,
        token: TOKEN,
        pid: importer.pid,
        storagePid: importer.pid,
        stop,
      };
    }

    const [storagePort] = await freePorts(1);
    // The project's own stand-in entry (as .ci/prod-smoke uses it), always from source.
    const storage = spawnChild(
      'stand-in',
      ['--import', 'tsx', join(ROOT, 'src', 'local-storage', 'serve-local-storage.ts')],
      {
        ...common,
        PORT: String(storagePort),
        LOCAL_S3_PORT: String(s3Port),
        LOCAL_STORAGE_DIR: dataDir,
        LOCAL_STORAGE_TOKEN: TOKEN,
        LOCAL_FILE_PROVIDER: provider,
      },
    );
    children.push(storage);
    const storageUrl = `http://127.0.0.1:${storagePort}`;
    await waitUntilReady(`${storageUrl}/v2/storage/tokens/verify`, storage, { 'X-StorageApi-Token': TOKEN });
    const importer = spawnChild(
      'importer',
      [...(options.nodeArgs ?? []), ...importerEntry],
      {
        ...common,
        PORT: String(port),
        KBC_URL: storageUrl,
        HOST: '127.0.0.1',
        ...endpointEnv,
        ...productionEnv,
        ...options.env,
      },
      options.stdoutFile,
    );
    children.push(importer);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(`${url}/health`, importer);
    return {
      url,
      storageUrl,
      s3Endpoint: filesUrl,
      provider,
      token: TOKEN,
      pid: importer.pid,
      storagePid: storage.pid,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface ManagedChild {
  pid: number;
  process: ChildProcess;
  stderrTail(): string;
  stop(): Promise<void>;
}

function spawnChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  stdoutFile?: string,
): ManagedChild {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdoutFile ? openSync(stdoutFile, 'a') : 'ignore', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    tail = (tail + text).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    process: child,
    stderrTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilReady(url: string, child: ManagedChild, headers: Record<string, string> = {}) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`service exited with ${child.process.exitCode}: ${child.stderrTail()}`);
    }
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service not ready after ${READY_TIMEOUT_MS} ms: ${child.stderrTail()}`);
}

async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolve(typeof address === 'object' && address ? address.port : 0);
          });
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
