// The importer as a real child process (`node --import tsx src/main.ts`), for what only a process
// can show: signals, the drain, exit codes. Listens on port 0 and reports its URL from its log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface ChildService {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal that killed it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves once a log line with this `msg` appeared. */
  waitForLog(msg: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running (test cleanup). */
  kill(): Promise<void>;
}

export async function spawnService(
  env: Record<string, string> = {},
  /** `cwd`: a directory holding src/ and node_modules/ (default: this repository). */
  options: { dataDir?: string; startTimeoutMs?: number; cwd?: string } = {},
): Promise<ChildService> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'table-importer-child-')));
  // Without vitest's own SDK setting: the process must silence the SDK's notice itself (main.ts).
  const {
    NODE_OPTIONS: _ignored,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _sdk,
    ...inherited
  } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: options.cwd ?? REPO_ROOT,
    env: {
      ...inherited,
      PORT: '0',
      LOCAL_S3_PORT: '0',
      LOCAL_STORAGE_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    text += String(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const logLines = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const waitForLog = async (msg: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (logLines().some((line) => line.msg === msg)) return;
      if (!running) throw new Error(`the service exited before logging "${msg}":\n${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no "${msg}" log line within ${timeoutMs} ms:\n${text}`);
  };

  try {
    await waitForLog('table importer listening', options.startTimeoutMs ?? 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = logLines().find((line) => line.msg === 'table importer listening')?.url;
  if (typeof url !== 'string') throw new Error(`no URL in the start log:\n${text}`);
  return {
    url,
    dataDir,
    child,
    exited,
    output: () => text,
    waitForLog,
    async kill() {
      if (running) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The exit of a child within `timeoutMs`, or an error naming how long it kept running. */
export async function exitWithin(
  service: ChildService,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running ${timeoutMs} ms later:\n${service.output()}`)),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([service.exited, timeout]);
    return { ...result, elapsedMs: Date.now() - startedAt };
  } finally {
    clearTimeout(timer);
  }
}
