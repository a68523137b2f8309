// Graceful drain of the HTTP server: once started, new requests are refused with 503
// `importer.shuttingDown` while the ones already running finish; when the drain time runs out,
// `deadline` aborts so uploads stop and job waits answer 202. Knows nothing about signals (main.ts).
import type { Server, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { type AppError, importerError } from '../errors.js';

export interface Drain {
  readonly draining: boolean;
  /** Requests the guard let in whose response has not finished yet. */
  readonly inFlight: number;
  /**
   * Aborted when the drain time ran out: an upload still streaming is refused (503) and a job
   * wait answers 202 with the job, as if its wait budget were spent.
   */
  readonly deadline: AbortSignal;
  /**
   * Refuses requests with 503 while draining and counts the others as in flight. Paths under
   * `exceptPaths` (the local Storage stand-in, which the importer itself calls) are always served.
   */
  guard(options: { exceptPaths: readonly string[] }): MiddlewareHandler;
  /**
   * Starts draining (idempotent). Resolves once every in-flight request answered, or `graceMs`
   * after the deadline when some never do.
   */
  start(drainMs: number): Promise<DrainOutcome>;
}

export interface DrainOutcome {
  /** The deadline passed with requests still in flight. */
  deadlineReached: boolean;
  /** Requests still in flight when the drain gave up waiting (0 when all answered). */
  abandoned: number;
}

export interface DrainOptions {
  /** Retry-After on the 503 for requests refused while draining. */
  retryAfterSeconds?: number;
  /** After the deadline, how long cut-short requests get to send their answer. */
  graceMs?: number;
}

export function createDrain(options: DrainOptions = {}): Drain {
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  const graceMs = options.graceMs ?? 5_000;
  const deadlineController = new AbortController();
  let draining = false;
  let inFlight = 0;
  let started: Promise<DrainOutcome> | undefined;
  let onIdle: (() => void) | undefined;

  const finishOne = () => {
    inFlight -= 1;
    if (inFlight === 0) onIdle?.();
  };

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    deadline: deadlineController.signal,
    guard({ exceptPaths }) {
      const exempt = (path: string) => exceptPaths.some((p) => path === p || path.startsWith(`${p}/`));
      return async (c, next) => {
        const counted = !exempt(c.req.path);
        if (counted && draining) {
          c.header('Connection', 'close');
          throw shuttingDownError(retryAfterSeconds);
        }
        // In flight until the Node response closed (finished or cut), not until the handler
        // returned: a streamed answer outlives its handler. Without Node bindings: the handler.
        const outgoing = c.env?.outgoing as ServerResponse | undefined;
        let counting = counted;
        const stopCounting = () => {
          if (!counting) return;
          counting = false;
          finishOne();
        };
        if (counted) {
          inFlight += 1;
          outgoing?.once('close', stopCounting);
        }
        try {
          await next();
        } finally {
          // Every answer given while draining closes its connection, so keep-alive connections
          // (including the importer's own ones to the local stand-in) go away as they go idle.
          if (draining) c.header('Connection', 'close');
          if (!outgoing || outgoing.destroyed) stopCounting();
        }
      };
    },
    start(drainMs) {
      started ??= new Promise<DrainOutcome>((resolve) => {
        draining = true;
        let deadlineReached = false;
        let graceTimer: NodeJS.Timeout | undefined;
        const deadlineTimer = setTimeout(() => {
          deadlineReached = true;
          deadlineController.abort(new Error('drain deadline reached'));
          graceTimer = setTimeout(() => done(), graceMs);
        }, drainMs);
        const done = () => {
          clearTimeout(deadlineTimer);
          clearTimeout(graceTimer);
          onIdle = undefined;
          resolve({ deadlineReached, abandoned: inFlight });
        };
        onIdle = done;
        if (inFlight === 0) done();
      });
      return started;
    },
  };
}

/** The 503 for work refused or cut short because the process is shutting down. */
export function shuttingDownError(retryAfterSeconds = 5): AppError {
  return importerError(
    'importer.shuttingDown',
    'The importer is shutting down; send the request again (another instance will take it).',
    { retryAfterSeconds },
  );
}

/**
 * Stops listening and waits for the open connections to end; connections still open after
 * `graceMs` (a client that never finishes its body) are cut.
 */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const cutTimer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cutTimer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
