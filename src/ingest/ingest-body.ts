// The body-reading half every upload route shares: read the body (multipart or raw) under the
// request's fail-fast, hand its `data` stream to the route's store step as soon as it starts, and
// answer the missing-data error when the body ended without one. Routes supply only their rules.
import type { Readable } from 'node:stream';
import type { AppError } from '../errors.js';
import type { FailFast } from './fail-fast.js';
import type { DataPartInfo } from './read-multipart.js';
import { type ReceiveBodyOptions, receiveBody } from './receive-body.js';

export interface IngestBodyOptions<T>
  extends Pick<
    ReceiveBodyOptions,
    'admission' | 'encoding' | 'incoming' | 'query' | 'maxFileBytes' | 'idleTimeoutMs'
  > {
  failFast: Pick<FailFast, 'signal' | 'fail' | 'guard'>;
  /** A form field (multipart) or query parameter; throws AppError to refuse the request. */
  onField?(name: string, value: string): void;
  /** The `data` stream began: store it (the promise's failure fails the request at once). */
  store(stream: Readable, part: DataPartInfo | undefined): Promise<T>;
  /** The error for a body that ended without `data`. */
  missingData(): AppError;
}

/** Resolves with what `store` made of the `data` stream, once the whole body was read. */
export async function ingestBody<T>(options: IngestBodyOptions<T>): Promise<T> {
  const { failFast, store, onField } = options;
  let stored: Promise<T> | undefined;
  const body = receiveBody({
    admission: options.admission,
    encoding: options.encoding,
    incoming: options.incoming,
    query: options.query,
    maxFileBytes: options.maxFileBytes,
    idleTimeoutMs: options.idleTimeoutMs,
    signal: failFast.signal,
    onField: (name, value) => onField?.(name, value),
    onData(stream, part) {
      stored = store(stream, part);
      stored.catch(failFast.fail);
    },
  });
  await failFast.guard(body);
  if (!stored) throw options.missingData();
  return failFast.guard(stored);
}
