// Response helpers of the local Storage stand-in: JSON with `Content-Type: application/json`
// exactly (the PHP client decodes nothing else), Storage-shaped error bodies and Storage timestamps.
// It does not decide statuses or codes; routes and StorageError do.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { StorageError } from './storage-error.js';

/** The stand-in is always mounted here; absolute URLs are `<request origin><MOUNT_PATH>/…`. */
export const MOUNT_PATH = '/v2/storage';

export function sendJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

export function createExceptionId(): string {
  return `exception-${randomBytes(16).toString('hex')}`;
}

/** `{error, code?, exceptionId, status:'error'}` plus StorageError extras (e.g. validation `errors`). */
export function sendStorageError(err: StorageError): Response {
  // An empty code is left out, like the real "Access token must be set" answer.
  const body: Record<string, unknown> = {
    error: err.message,
    ...(err.code === '' ? {} : { code: err.code }),
    exceptionId: createExceptionId(),
    status: 'error',
  };
  if (err.extra.errors) body.errors = err.extra.errors;
  return sendJson(body, err.status);
}

export function sendInternalError(exceptionId: string): Response {
  return sendJson(
    {
      error: 'Application error. Please contact support and quote the exceptionId.',
      code: 'applicationError',
      exceptionId,
      status: 'error',
    },
    500,
  );
}

/** Storage's timestamp format: ISO-8601 with a numeric offset and no colon, e.g. `2026-11-25T15:09:00+0000`. */
export function formatStorageTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+0000`;
}

/** Symfony-style validation failure: `Invalid request:\n - key: "message"` plus `errors[]`. */
export function validationError(code: string, key: string, message: string, status = 400): StorageError {
  return new StorageError(status, code, `Invalid request:\n - ${key}: "${message}"`, {
    errors: [{ key, message }],
  });
}

export function requestOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}
