// Turns a failed Storage API call into the importer's AppError: Storage's own 4xx codes are
// relayed unchanged, anything the caller cannot fix (5xx, 429, network, an unreadable 2xx) becomes
// a 502. Decides which failures of a job-starting POST leave its outcome unknown.
import { AppError, importerError, importOutcomeUnknown } from '../errors.js';
import { describeCause } from './describe-cause.js';

export interface StorageErrorBody {
  error?: string;
  message?: string;
  code?: string;
  exceptionId?: string;
}

/** An HTTP answer from Storage that was not 2xx; lives only inside the client's retry loop. */
export class StorageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: StorageErrorBody,
    readonly retryAfterMs: number | undefined,
  ) {
    super(body.error ?? body.message ?? `Storage API answered ${status}`);
    this.name = 'StorageHttpError';
  }
}

/**
 * A 2xx answer whose body is empty, not JSON or not the expected shape: Storage accepted the
 * request, but we cannot read what it did. The body is never copied into the message (a
 * files/prepare answer carries S3 credentials).
 */
export class UnreadableAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly problem:
      | 'an empty body'
      | 'a body that is not JSON'
      | 'an unexpected body'
      | 'an oversized body',
  ) {
    super(`Storage API answered ${status} with ${problem}`);
    this.name = 'UnreadableAnswerError';
  }
}

/** Any failure of a call whose outcome is known (no job-starting POST in doubt) → AppError. */
export function storageErrorToAppError(
  endpoint: string,
  err: unknown,
  attempt: { timeoutMs?: number } = {},
): AppError {
  if (err instanceof StorageHttpError) return storageHttpErrorToAppError(endpoint, err);
  if (err instanceof UnreadableAnswerError) {
    return importerError(
      'importer.storageFailed',
      `Keboola Storage API failed on ${endpoint}: it answered HTTP ${err.status} with ${err.problem}.`,
      { upstreamStatus: err.status },
      { cause: err },
    );
  }
  return networkErrorToAppError(endpoint, err, attempt.timeoutMs);
}

function storageHttpErrorToAppError(endpoint: string, err: StorageHttpError): AppError {
  const { status, body } = err;
  const message = body.error ?? body.message ?? `Storage API answered ${status}`;
  const exceptionId = body.exceptionId !== undefined ? { exceptionId: body.exceptionId } : {};
  if (status === 401) return new AppError(401, body.code || 'storage.tokenInvalid', message, exceptionId);
  if (status === 403) return new AppError(403, body.code || 'accessDenied', message, exceptionId);
  if (status === 404) return new AppError(404, body.code || 'storage.notFound', message, exceptionId);
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new AppError(400, body.code || 'storage.invalidRequest', message, exceptionId);
  }
  return importerError(
    'importer.storageFailed',
    `Keboola Storage API failed on ${endpoint} (HTTP ${status}): ${message}`,
    { ...exceptionId, upstreamStatus: status, ...(body.code ? { upstreamCode: body.code } : {}) },
    { cause: err },
  );
}

function networkErrorToAppError(endpoint: string, err: unknown, timeoutMs: number | undefined): AppError {
  const reason = describeCause(err, { timeoutMs });
  return importerError(
    'importer.storageUnreachable',
    `Keboola Storage API could not be reached on ${endpoint}: ${reason}`,
    {},
    { cause: err },
  );
}

/**
 * A job-starting POST failed in a way where Storage may still have created the job (connection
 * lost after sending, timeout, a 2xx we cannot read, a 5xx that is not a Storage error body).
 * Never re-POST on this: look the job up instead.
 */
export class UncertainOutcomeError extends AppError {
  constructor(endpoint: string, cause: unknown) {
    const { status, code, message, details } = importOutcomeUnknown({ endpoint }, cause);
    super(status, code, message, details, { cause });
    this.name = 'UncertainOutcomeError';
  }
}

/**
 * True when a failed POST may still have reached Storage and started its job: anything except a
 * definite refusal by Storage itself (a 4xx, or a 5xx with Storage's error body). An unreadable
 * 2xx means the job did start; a network error or timeout may have come after Storage acted.
 */
export function isUncertainOutcome(err: unknown): boolean {
  if (err instanceof StorageHttpError) {
    const isStorageErrorBody = Boolean(err.body.code || err.body.exceptionId);
    return err.status >= 500 && !isStorageErrorBody;
  }
  return true;
}
