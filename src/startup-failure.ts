// Start-up failures an operator fixes with a setting (a port that is taken or not allowed): a
// typed error raised where a listener fails, turned by the entry points into one line naming the
// variable to change. Knows setting names; starts and stops nothing itself.

export type Listener = 'http' | 's3';

const SETTING: Record<Listener, string> = { http: 'PORT', s3: 'LOCAL_S3_PORT' };
const WHAT: Record<Listener, string> = { http: 'Port', s3: 'The embedded S3 port' };

export class ListenError extends Error {
  constructor(
    readonly listener: Listener,
    readonly host: string,
    readonly port: number,
    readonly reason: 'inUse' | 'notPermitted',
    options?: { cause?: unknown },
  ) {
    super(`cannot listen on ${host}:${port} (${reason})`, options);
    this.name = 'ListenError';
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
  if (!(err instanceof ListenError)) return undefined;
  const where = `${WHAT[err.listener]} ${err.port} on ${err.host}`;
  const setting = SETTING[err.listener];
  return err.reason === 'inUse'
    ? `${where} is already in use (another process listens there): set ${setting} to a free port.`
    : `${where} may not be opened by this user: set ${setting} to a port above 1023.`;
}
