// Which npm packages only local mode (the Storage stand-in) needs, and recognising that they are not
// installed. They are devDependencies, so the production image (`npm ci --omit=dev`) leaves them out;
// test/deploy/dependencies.test.ts keeps them out of `dependencies`.
import { StartupFailure } from './startup-failure.js';

/** Packages only the local stand-in loads; never in `dependencies`, never imported by remote-mode code. */
export const LOCAL_MODE_PACKAGES: readonly string[] = ['@duckdb/node-api', 's3rver', 'azurite'];

export const LOCAL_MODE_NOT_INSTALLED =
  "local mode isn't installed in this image: set KBC_URL, or run from a full install";

/** Starting local mode found one of LOCAL_MODE_PACKAGES missing (a production-only install). */
export class LocalModeNotInstalledError extends StartupFailure {
  override name = 'LocalModeNotInstalledError';
  constructor(
    readonly missingPackage: string,
    options?: { cause?: unknown },
  ) {
    super(LOCAL_MODE_NOT_INSTALLED, options);
  }
}

/**
 * The local-only package whose absence `err` reports, if it is Node's "Cannot find package" for one
 * of LOCAL_MODE_PACKAGES (ESM `ERR_MODULE_NOT_FOUND`, or CommonJS `MODULE_NOT_FOUND`); otherwise
 * undefined: a missing file of our own build or any other package is a broken install, not this.
 */
export function missingLocalModePackage(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const specifier = /^Cannot find (?:package|module) '([^']+)'/.exec(err.message)?.[1];
  if (specifier === undefined) return undefined;
  return LOCAL_MODE_PACKAGES.find((name) => specifier === name || specifier.startsWith(`${name}/`));
}
