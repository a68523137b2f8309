// The exclusive lock on LOCAL_STORAGE_DIR: a `.lock` file holding the owner's pid, created with
// O_EXCL before the stand-in touches anything else in the directory. A lock whose pid is gone is
// stale and taken over; DuckDB's own file lock stays as the second line of defence.
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupFailure } from '../startup-failure.js';

export const DATA_DIR_LOCK_FILE = '.lock';
/** Lock files this process holds: a pid equal to ours is stale unless listed here. */
const heldByThisProcess = new Set<string>();

export class DataDirLockedError extends StartupFailure {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number | undefined,
  ) {
    const owner = ownerPid === undefined ? 'another process' : `another process (pid ${ownerPid})`;
    super(`LOCAL_STORAGE_DIR ${dataDir} is in use by ${owner}: stop it or set another LOCAL_STORAGE_DIR.`);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path)) {
      heldByThisProcess.add(path);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          heldByThisProcess.delete(path);
          await rm(path, { force: true });
        },
      };
    }
    const ownerPid = await readOwnerPid(path);
    if (ownerPid === 'gone') continue;
    // An unreadable pid may be one still being written: never taken over.
    if (heldByThisProcess.has(path) || ownerPid === undefined || isAlive(ownerPid)) {
      throw new DataDirLockedError(dataDir, ownerPid);
    }
    // Stale: its owner died without releasing it (crash, kill -9). Only a lock we just read as
    // stale is removed, so two starting processes cannot both take it over.
    await rm(path, { force: true });
  }
  throw new DataDirLockedError(dataDir, undefined);
}

async function tryCreate(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${process.pid}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** The pid in the lock file; undefined when unreadable (still being written), 'gone' when deleted. */
async function readOwnerPid(path: string): Promise<number | undefined | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
