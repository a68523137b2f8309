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

export const badRequest = (code: string, message: string, details?: ErrorDetails) =>
  new AppError(400, code, message, details);

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
