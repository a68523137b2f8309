// The importer as a process in a copy of this repository whose node_modules lacks the local-mode
// packages (as `npm ci --omit=dev` leaves it): remote mode still starts and imports a table into a
// stand-in run from the full install; without KBC_URL it refuses with one line and exit code 1.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_MODE_NOT_INSTALLED, LOCAL_MODE_PACKAGES } from '../../src/local-mode-packages.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { type ChildService, exitWithin, spawnService } from '../support/child-service.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'without-local-mode-token';

/**
 * `app/` with package.json, a copy of src/ (a symlink would resolve packages from this repository)
 * and node_modules/ linking every installed package except LOCAL_MODE_PACKAGES.
 */
async function copyWithoutLocalModePackages(work: string): Promise<string> {
  const app = join(work, 'app');
  await mkdir(join(app, 'node_modules'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(app, 'package.json'));
  await cp(join(ROOT, 'src'), join(app, 'src'), { recursive: true });
  const link = async (name: string) => {
    if (LOCAL_MODE_PACKAGES.includes(name)) return;
    await symlink(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
  };
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (!entry.startsWith('@')) {
      await link(entry);
      continue;
    }
    await mkdir(join(app, 'node_modules', entry));
    for (const scoped of await readdir(join(ROOT, 'node_modules', entry))) await link(`${entry}/${scoped}`);
  }
  return app;
}

/** Runs `node --import tsx src/main.ts` in `cwd` to its exit; stdout and stderr kept apart. */
function runToExit(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { NODE_OPTIONS: _ignored, KBC_URL: _remote, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveExit({ code, stdout, stderr }));
  });
}

describe('a production install (no local-mode packages)', () => {
  let work: string;
  let app: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'table-importer-no-local-'));
    app = await copyWithoutLocalModePackages(work);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses local mode with one line and exit code 1', async () => {
    const result = await runToExit(app, {
      PORT: '0',
      LOCAL_S3_PORT: '0',
      LOCAL_STORAGE_DIR: join(work, 'local-storage'),
    });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${LOCAL_MODE_NOT_INSTALLED}\n` });
  });

  describe('in remote mode', () => {
    let standIn: LocalStorageServer;
    let service: ChildService | undefined;

    beforeAll(async () => {
      // The stand-in runs from the full install (this process).
      standIn = await startLocalStorageServer({
        dataDir: join(work, 'stand-in'),
        tokens: [{ token: TOKEN, description: 'test master token', isMasterToken: true }],
        s3Port: 0,
      });
    });

    afterAll(async () => {
      await service?.kill();
      await standIn?.close();
    });

    it('starts, imports a CSV through write-table, and stops cleanly', async () => {
      service = await spawnService(
        { KBC_URL: standIn.url, S3_ENDPOINT: standIn.s3Endpoint, S3_FORCE_PATH_STYLE: 'true' },
        { cwd: app, dataDir: join(work, 'unused') },
      );
      const form = new FormData();
      form.set('tableId', 'in.c-prod.users');
      form.set('data', new Blob(['id,name\n1,Alice\n2,Bob\n']), 'users.csv');
      const response = await fetch(`${service.url}/write-table`, {
        method: 'POST',
        headers: { 'X-StorageApi-Token': TOKEN },
        body: form,
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect({ status: response.status, body }).toMatchObject({
        status: 200,
        body: { status: 'success', tableId: 'in.c-prod.users', totalRowsCount: 2 },
      });

      service.child.kill('SIGTERM');
      await expect(exitWithin(service, 15_000)).resolves.toMatchObject({ code: 0 });
    });
  });
});
