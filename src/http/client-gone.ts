// Work cut short because the client went away surfaces as whatever the aborted await threw: an
// AbortError from a sleep, or @hono/node-server's bare string reason ("Client connection
// prematurely closed.") rethrown by fetch callers. Both mean a disconnect (499), not a server error.
import type { MiddlewareHandler } from 'hono';
import { AppError, clientDisconnected } from '../errors.js';

/** `err`, or a 499 importer.clientDisconnected when the request's client is gone and `err` is not ours. */
export function asClientGone<T>(err: T, clientSignal: AbortSignal): T | AppError {
  if (err instanceof AppError || !clientSignal.aborted) return err;
  return clientDisconnected(err);
}

/**
 * Hono hands only Error instances to onError; anything else thrown (a bare abort reason) would
 * end as the adapter's silent 500. Turns such throws into Errors so onError renders and logs them.
 */
export function catchBareThrows(): MiddlewareHandler {
  return async (c, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof Error) throw err;
      const converted = asClientGone(err, c.req.raw.signal);
      throw converted instanceof Error ? converted : new Error(`Non-error thrown: ${String(converted)}`);
    }
  };
}
