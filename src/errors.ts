// The one error hierarchy of the importer. Lower layers throw these (or let foreign errors
// bubble with `cause`); app.onError alone turns them into the JSON body of PRODUCT.md §2.1.

export interface ErrorDetails {
  exceptionId?: string;
  job?: unknown;
  upstreamStatus?: number;
  retryAfterSeconds?: number;
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** 413 for a body over MAX_FILE_BYTES, wherever the limit is noticed (header or stream). */
export const fileTooLarge = (maxFileBytes: number) =>
  new AppError(
    413,
    'importer.fileTooLarge',
    `The file is larger than the limit of ${maxFileBytes} bytes (MAX_FILE_BYTES).`,
    {
      maxFileBytes,
    },
  );

/** 404 for a missing table (or bucket) when the caller said createTable=0. */
export const tableMissing = (tableId: string) =>
  new AppError(404, 'storage.tables.notFound', `The table "${tableId}" does not exist and createTable=0.`);

/**
 * 499 (as nginx logs a request its client closed): the client went away before the import
 * started. It never reaches the client; it is what the request log and metrics record.
 */
export const clientDisconnected = () =>
  new AppError(499, 'importer.clientDisconnected', 'The client disconnected before the import started.');
