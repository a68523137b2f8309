// What the process entry points (main.ts, local-storage/serve-local-storage.ts) share: loading the
// config or exiting with its problems, telling whether a module is the one `node` was started with,
// and the stop signals. Does not read process.env (the entries pass it) and stops nothing itself.
import { realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type Config, type ConfigDefaults, ConfigError, loadConfig } from './config.js';
import { describeStartupFailure } from './startup-failure.js';

/** `loadConfig(env)`; on a ConfigError prints its problems to stderr and exits 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>, defaults?: ConfigDefaults): Config {
  try {
    return loadConfig(env, defaults);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Runs an entry point's start; a failure the operator can fix (startup-failure.ts) is printed as
 * one line on stderr and exits 1, without a stack trace. Other errors propagate unchanged.
 */
export async function startOrExit(start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const line = describeStartupFailure(err);
    if (line === undefined) throw err;
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
}

/**
 * Whether the module at `moduleUrl` (its `import.meta.url`) is the script `node` was started with.
 * Through a real file URL, so paths with `#`, `%` or spaces and symlinked paths compare right.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    // No such file (e.g. a script name without its extension): not this module.
    return false;
  }
}

export interface StopSignalOptions {
  /** Called on a second signal just before the process exits (e.g. to log it). */
  onSecondSignal?: (signal: NodeJS.Signals, exitCode: number) => void;
}

/**
 * Calls `stop` on the first SIGTERM or SIGINT; a second one exits at once with 128 + its number
 * (143 for SIGTERM, 130 for SIGINT), as a shell reports a process killed by it.
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void, options: StopSignalOptions = {}): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      const exitCode = 128 + (osConstants.signals[signal] ?? 0);
      options.onSecondSignal?.(signal, exitCode);
      process.exit(exitCode);
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
