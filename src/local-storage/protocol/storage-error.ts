// Errors of the local Storage stand-in, shaped like Keboola Storage API errors: an HTTP status,
// a Storage `code` (may be empty, like the real "Access token must be set") and extra body fields.
// Thrown from a request handler they become the response; thrown from a job they become job.error.
// Every message is capped here, the one place they are made: none is echoed or stored in full.

/** Longest message kept; longer ones are cut and marked, so a hostile value cannot bloat answers. */
export const MAX_MESSAGE_CHARS = 2000;
/** Longest user value quoted inside a message (a column name, an id). */
export const MAX_QUOTED_CHARS = 100;

/** `value` for a message: cut to `max` characters, with the full length noted when cut. */
export function quoteValue(value: string, max = MAX_QUOTED_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}

function capMessage(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS
    ? message
    : `${message.slice(0, MAX_MESSAGE_CHARS)}… (message cut at ${MAX_MESSAGE_CHARS} characters)`;
}

export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields: for job errors `results` (e.g. missingColumns) is copied onto the job. */
    readonly extra: { results?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    super(capMessage(message));
    this.name = 'StorageError';
  }
}
