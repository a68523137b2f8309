// Renders any failure as the error body of PRODUCT.md §2.1, for app.onError and for the final
// `error` event of a progress stream alike. Unknown errors are logged with their stack and answered
// with a generic 500; their message is never echoed.
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestFacts } from './app-env.js';

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
}

export function errorBody(code: string, message: string) {
  return { status: 'error' as const, error: message, code };
}

export function renderError(err: unknown, context: ErrorContext): RenderedError {
  if (err instanceof AppError) {
    if (context.facts) {
      context.facts.errorCode = err.code;
      // Upstream failures: the request log says why (the message names the cause, never a secret).
      if (err.status >= 500) context.facts.errorMessage = err.message;
    }
    const { retryAfterSeconds, ...details } = err.details;
    return {
      status: err.status,
      body: { ...errorBody(err.code, err.message), ...details },
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }
  context.logger.error(
    { err, requestId: context.requestId, method: context.method, path: context.path },
    'unhandled error',
  );
  if (context.facts) context.facts.errorCode = 'importer.internalError';
  return { status: 500, body: errorBody('importer.internalError', 'Internal server error') };
}
