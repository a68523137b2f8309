// Renders any failure as the error body of PRODUCT.md §2.1, for app.onError and for the final
// `error` event of a progress stream alike. Unknown errors are logged with their stack and answered
// with a generic 500; their message is never echoed. Echoed values are capped, tokens blanked.
import type { Context } from 'hono';
import { AppError, IMPORTER_ERRORS } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppEnv, RequestFacts } from './app-env.js';
import { echoMessage, echoValue, redact } from './echo-limits.js';
import { offeredTokens } from './request-token.js';

export interface RenderedError {
  status: number;
  body: { status: 'error'; error: string; code: string; [key: string]: unknown };
  /** Seconds for a Retry-After header, when the error asks the caller to come back. */
  retryAfterSeconds?: number;
}

export interface ErrorContext {
  logger: Logger;
  requestId: string | undefined;
  method: string;
  path: string;
  facts?: RequestFacts;
  /** Values the request offered as a token: blanked out of anything answered. */
  secrets?: readonly string[];
}

export function errorContextOf(c: Context<AppEnv>, logger: Logger): ErrorContext {
  return {
    logger,
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    facts: c.get('facts'),
    secrets: offeredTokens((name) => c.req.header(name), new URL(c.req.url).searchParams),
  };
}

export function errorBody(code: string, message: string) {
  return { status: 'error' as const, error: message, code };
}

export function renderError(err: unknown, context: ErrorContext): RenderedError {
  if (err instanceof AppError) {
    if (context.facts) {
      context.facts.errorCode = err.code;
      // Upstream failures: the request log says why, with the same redaction as the answer (an
      // upstream's own message may quote anything).
      if (err.status >= 500) context.facts.errorMessage = echoMessage(err.message, context.secrets ?? []);
    }
    const { retryAfterSeconds, ...details } = err.details;
    const secrets = context.secrets ?? [];
    return {
      status: err.status,
      body: {
        ...errorBody(err.code, echoMessage(err.message, secrets)),
        ...(echoValue(details, secrets) as Record<string, unknown>),
      },
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  context.logger.error(
    {
      err: loggable(err, context.secrets ?? []),
      requestId: context.requestId,
      method: context.method,
      path: context.path,
    },
    'unhandled error',
  );
  if (context.facts) context.facts.errorCode = 'importer.internalError';
  return {
    status: IMPORTER_ERRORS['importer.internalError'],
    body: errorBody('importer.internalError', 'Internal server error'),
  };
}

/**
 * A foreign error as it may be logged: name, message and stack with offered tokens, signatures and
 * bearer values blanked — never the raw object, whose `cause` chain (an SDK request, a URL) the
 * logger would serialise as it is.
 */
function loggable(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error)) return { message: redact(String(err), secrets) };
  return { type: err.name, message: redact(err.message, secrets), stack: redact(err.stack ?? '', secrets) };
}
