// A second process on a LOCAL_STORAGE_DIR that is in use: it must touch nothing there (no temp
// cleanup, no metadata write) and exit 1 with one line naming LOCAL_STORAGE_DIR, no stack trace.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_FILE } from '../../src/local-storage/data-dir-lock.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'lock-test-token';

function runMain(dataDir: string): Promise<{ code: number | null; output: string }> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...inherited, PORT: '0', LOCAL_S3_PORT: '0', LOCAL_STORAGE_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    output += String(chunk);
  });
  return new Promise((done) => child.once('close', (code) => done({ code, output })));
}

describe('a locked LOCAL_STORAGE_DIR', () => {
  let server: LocalStorageServer | undefined;
  let dataDir = '';
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a second process touches nothing and exits 1 with one line', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'standin-lock-'));
    server = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: TOKEN, description: 'master', isMasterToken: true }],
      s3Port: 0,
    });
    const inFlight = join(dataDir, 'tmp', 'in-flight-import');
    await writeFile(inFlight, 'rows of a running import');
    const metadataBefore = await stat(join(dataDir, 'metadata.json'));

    const second = await runMain(dataDir);

    expect(second.code).toBe(1);
    const lines = second.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('LOCAL_STORAGE_DIR');
    expect(lines[0]).toContain(dataDir);
    expect(second.output).not.toMatch(/\n\s+at /);
    expect(await readFile(inFlight, 'utf8')).toBe('rows of a running import');
    expect((await stat(join(dataDir, 'metadata.json'))).mtimeMs).toBe(metadataBefore.mtimeMs);
  });

  it('a lock left by a dead process is taken over', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'standin-lock-'));
    // A pid that cannot be alive: above Linux's pid_max limit (2^22).
    await writeFile(join(dataDir, DATA_DIR_LOCK_FILE), '99999999\n');
    server = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: TOKEN, description: 'master', isMasterToken: true }],
      s3Port: 0,
    });
    expect((await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    await server.close();
    server = undefined;
    await expect(stat(join(dataDir, DATA_DIR_LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('a second stand-in in the same process is refused too', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'standin-lock-'));
    const tokens = [{ token: TOKEN, description: 'master', isMasterToken: true }];
    server = await startLocalStorageServer({ dataDir, tokens, s3Port: 0 });
    await expect(startLocalStorageServer({ dataDir, tokens, s3Port: 0 })).rejects.toThrow(
      /LOCAL_STORAGE_DIR/,
    );
  });
});
