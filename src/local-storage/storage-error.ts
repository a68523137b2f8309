// Errors of the local Storage stand-in, shaped like Keboola Storage API errors: an HTTP status,
// a Storage `code` (may be empty, like the real "Access token must be set") and extra body fields.
// Thrown from a request handler they become the response; thrown from a job they become job.error.

export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields: for job errors `results` (e.g. missingColumns) is copied onto the job. */
    readonly extra: { results?: Record<string, unknown>; errors?: unknown[] } = {},
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
