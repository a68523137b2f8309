// Start-up failures an operator fixes with a setting (a port that is taken or not allowed, a data
// dir held by another process, local mode missing from a production install): typed errors raised
// where the start fails, whose message is the one line the entry points print, naming what to
// change. Knows setting names; starts and stops nothing itself.

/** A failure the operator fixes with a setting or an install: its message is the whole story. */
export class StartupFailure extends Error {
  override name = 'StartupFailure';
}

export type Listener = 'http' | 's3';

const SETTING: Record<Listener, string> = { http: 'PORT', s3: 'LOCAL_S3_PORT' };
const WHAT: Record<Listener, string> = { http: 'Port', s3: 'The embedded S3 port' };

export class ListenError extends StartupFailure {
  override name = 'ListenError';
  constructor(
    readonly listener: Listener,
    readonly host: string,
    readonly port: number,
    readonly reason: 'inUse' | 'notPermitted',
    options?: { cause?: unknown },
  ) {
    const where = `${WHAT[listener]} ${port} on ${host}`;
    const setting = SETTING[listener];
    super(
      reason === 'inUse'
        ? `${where} is already in use (another process listens there): set ${setting} to a free port.`
        : `${where} may not be opened by this user: set ${setting} to a port above 1023.`,
      options,
    );
  }
}

/** A listen failure Node reported (EADDRINUSE, EACCES) as a ListenError; other errors unchanged. */
export function toListenError(err: unknown, listener: Listener, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new ListenError(listener, host, port, 'inUse', { cause: err });
  if (code === 'EACCES') return new ListenError(listener, host, port, 'notPermitted', { cause: err });
  return err;
}

/** The one line an entry point prints for a failure the operator can fix; undefined for others. */
export function describeStartupFailure(err: unknown): string | undefined {
  return err instanceof StartupFailure ? err.message : undefined;
}
