// Start-up with a taken port, both entry points (src/main.ts, the stand-in alone): one line on
// stderr naming the setting to change, exit code 1, no stack trace. Also the settings that keep
// the stand-in alone and the importer apart, and LOCAL_DUCKDB_MEMORY's parsing.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
let blocker: Server;
let takenPort: number;
let dataDir: string;

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  takenPort = (blocker.address() as { port: number }).port;
  dataDir = await mkdtemp(join(tmpdir(), 'startup-port-'));
});
afterAll(async () => {
  await new Promise((done) => blocker.close(done));
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs an entry point to its exit; resolves with its exit code and what it wrote. */
function runEntry(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      LOCAL_STORAGE_DIR: dataDir,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      NODE_NO_WARNINGS: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((done) => child.once('exit', (code) => done({ code, stderr })));
}

function expectOneLine(result: { code: number | null; stderr: string }, setting: string): void {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(String(takenPort));
  expect(lines[0]).toContain(`set ${setting} to a free port`);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('a taken port at start-up', () => {
  it('importer: PORT taken → one line naming PORT, exit 1', async () => {
    expectOneLine(await runEntry('src/main.ts', { PORT: String(takenPort), LOCAL_S3_PORT: '0' }), 'PORT');
  }, 30_000);

  it('importer: LOCAL_S3_PORT taken → one line naming LOCAL_S3_PORT, exit 1', async () => {
    expectOneLine(
      await runEntry('src/main.ts', { PORT: '0', LOCAL_S3_PORT: String(takenPort) }),
      'LOCAL_S3_PORT',
    );
  }, 30_000);

  it('stand-in alone: PORT and LOCAL_S3_PORT taken → one line each, exit 1', async () => {
    const script = 'src/local-storage/serve-local-storage.ts';
    expectOneLine(await runEntry(script, { PORT: String(takenPort), LOCAL_S3_PORT: '0' }), 'PORT');
    expectOneLine(await runEntry(script, { PORT: '0', LOCAL_S3_PORT: String(takenPort) }), 'LOCAL_S3_PORT');
  }, 60_000);
});

describe('settings', () => {
  it('the stand-in alone defaults to 9080/9081, clear of the importer’s 8080/8081', () => {
    const importer = loadConfig({});
    const standIn = loadConfig({}, { port: 9080 });
    expect([importer.port, importer.localS3Port]).toEqual([8080, 8081]);
    expect([standIn.port, standIn.localS3Port]).toEqual([9080, 9081]);
  });

  it('LOCAL_DUCKDB_MEMORY: a size, default 256MB; anything else is a config problem', () => {
    expect(loadConfig({}).localDuckdbMemory).toBe('256MB');
    expect(loadConfig({ LOCAL_DUCKDB_MEMORY: '2GB' }).localDuckdbMemory).toBe('2GB');
    expect(() => loadConfig({ LOCAL_DUCKDB_MEMORY: 'lots' })).toThrow(ConfigError);
  });
});
