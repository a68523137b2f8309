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

/**
 * The error catalogue: every `importer.*` code with its HTTP status. Raise them by name with
 * importerError(); README's "Errors" table lists exactly these (test/readme.test.ts checks it).
 * Storage's own codes are relayed unchanged and are not listed here.
 */
export const IMPORTER_ERRORS = {
  'importer.tokenMissing': 401,
  'importer.tokenMalformed': 401,
  'importer.unsupportedMediaType': 415,
  'importer.unsupportedEncoding': 415,
  'importer.missingField': 400,
  'importer.unknownField': 400,
  'importer.duplicateField': 400,
  'importer.invalidTableId': 400,
  'importer.invalidBoolean': 400,
  'importer.invalidNumber': 400,
  'importer.invalidDialect': 400,
  'importer.invalidEncoding': 400,
  'importer.invalidFormat': 400,
  'importer.invalidUtf8': 400,
  'importer.invalidColumns': 400,
  'importer.invalidPrimaryKey': 400,
  'importer.invalidBranchId': 400,
  'importer.invalidTags': 400,
  'importer.fieldAfterData': 400,
  'importer.malformedRequest': 400,
  'importer.malformedMultipart': 400,
  'importer.unnamedPart': 400,
  'importer.missingData': 400,
  'importer.emptyData': 400,
  'importer.invalidGzip': 400,
  'importer.invalidJson': 400,
  'importer.invalidKey': 400,
  'importer.unexpectedKey': 400,
  'importer.formTooLarge': 413,
  'importer.recordTooLarge': 413,
  'importer.fileTooLarge': 413,
  'importer.headersTooLarge': 431,
  'importer.requestTimeout': 408,
  'importer.clientDisconnected': 499,
  'importer.jobFailed': 400,
  'importer.storageFailed': 502,
  'importer.storageUnreachable': 502,
  'importer.s3UploadFailed': 502,
  'importer.fileUploadFailed': 502,
  'importer.unsupportedFileProvider': 502,
  'importer.importOutcomeUnknown': 502,
  'importer.atCapacity': 503,
  'importer.shuttingDown': 503,
  'importer.notFound': 404,
  'importer.methodNotAllowed': 405,
  'importer.invalidIdempotencyKey': 400,
  'importer.idempotencyKeyReused': 422,
  'importer.idempotencyKeyInProgress': 409,
  'importer.internalError': 500,
} as const satisfies Record<`importer.${string}`, number>;

export type ImporterErrorCode = keyof typeof IMPORTER_ERRORS;

/** The one way to raise an `importer.*` error: its status comes from the catalogue. */
export function importerError(
  code: ImporterErrorCode,
  message: string,
  details: ErrorDetails = {},
  options?: { cause?: unknown },
): AppError {
  return new AppError(IMPORTER_ERRORS[code], code, message, details, options);
}

/** 413 for a body over MAX_FILE_BYTES, wherever the limit is noticed (header, stream, JSON body). */
export const fileTooLarge = (maxFileBytes: number, what = 'file') =>
  importerError(
    'importer.fileTooLarge',
    `The ${what} is larger than the limit of ${maxFileBytes} bytes (MAX_FILE_BYTES).`,
    { maxFileBytes },
  );

/** 404 for a missing table (or bucket) when the caller said createTable=0 (Storage's own code). */
export const tableMissing = (tableId: string) =>
  new AppError(404, 'storage.tables.notFound', `The table "${tableId}" does not exist and createTable=0.`);

/**
 * 499 (as nginx logs a request its client closed): the client went away. It never reaches the
 * client; it is what the request log and metrics record. `cause`: what the abort made throw.
 */
export const clientDisconnected = (cause?: unknown) =>
  importerError(
    'importer.clientDisconnected',
    'The client disconnected.',
    {},
    cause === undefined ? undefined : { cause },
  );

/**
 * 502: Storage may or may not have started the import job. `endpoint`: a job-starting POST was
 * not confirmed (the importer then looks for the job); `search`: no job appeared either, so the
 * client must check the table before sending again.
 */
export function importOutcomeUnknown(
  what: { endpoint: string } | { operationName: string; fileId: number; searchedSeconds: number },
  cause: unknown,
): AppError {
  if ('endpoint' in what) {
    return importerError(
      'importer.importOutcomeUnknown',
      `Keboola Storage API did not confirm ${what.endpoint}; the job may or may not have started.`,
      {},
      { cause },
    );
  }
  return importerError(
    'importer.importOutcomeUnknown',
    `Keboola Storage did not confirm the ${what.operationName} of file ${what.fileId}, and no job for that file ` +
      `appeared within ${what.searchedSeconds} s. Check the table and ` +
      `GET /v2/storage/jobs for a job whose operationParams.source.fileId is ${what.fileId} before sending again.`,
    { fileId: what.fileId },
    { cause },
  );
}
