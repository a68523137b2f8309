// Typed client for the Storage API calls the importer makes. Idempotent calls are retried per
// RetryPolicy (honouring Retry-After within the call's time budget); calls that start a job are
// sent exactly once. Every call takes the caller's AbortSignal, so a disconnect stops attempts and
// sleeps alike.
import pRetry, { AbortError } from 'p-retry';
import { readBoundedText } from './read-bounded-text.js';
import {
  attemptTimeoutMs,
  DEFAULT_RETRY_POLICY,
  parseRetryAfterMs,
  type RetryPolicy,
  retryOptions,
} from './retry-policy.js';
import {
  isUncertainOutcome,
  type StorageErrorBody,
  StorageHttpError,
  storageErrorToAppError,
  UncertainOutcomeError,
  UnreadableAnswerError,
} from './storage-errors.js';
import type {
  PrepareFileParams,
  StorageBucket,
  StorageFile,
  StorageJob,
  StorageTable,
  StorageTablePreview,
  TableCreateParams,
  TableImportParams,
} from './storage-types.js';

/** The largest Storage answer read (a job list, a project's tables): never held beyond this. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface StorageClientDeps {
  /** Stack URL such as https://connection.keboola.com (a getter when only known after listen). */
  baseUrl: string | (() => string);
  fetch?: typeof fetch;
  retryPolicy?: RetryPolicy;
  /** Observability hooks; `endpoint` is a fixed name, never a URL with ids or tokens. */
  onCall?: (endpoint: string, status: number | 'network') => void;
  onRetry?: (endpoint: string) => void;
}

export interface CallContext {
  token: string;
  branchId?: string | undefined;
  runId?: string | undefined;
  signal: AbortSignal;
}

export interface StorageSession {
  getTable(tableId: string): Promise<StorageTable | null>;
  getBucket(bucketId: string): Promise<StorageBucket | null>;
  /** Creates the bucket; an "already exists" answer (e.g. a concurrent request won) counts as success. */
  ensureBucket(stage: string, name: string): Promise<void>;
  prepareFile(params: PrepareFileParams): Promise<StorageFile>;
  getFile(fileId: number): Promise<StorageFile>;
  /** Deletes a file record (and its object); a file already gone counts as deleted. */
  deleteFile(fileId: number): Promise<void>;
  /** Fresh upload credentials for a prepared file (`PUT files/{id}/refresh`; GCS tokens last 1 h). */
  refreshFile(fileId: number): Promise<StorageFile>;
  createTableAsync(bucketId: string, params: TableCreateParams): Promise<StorageJob>;
  importTableAsync(tableId: string, params: TableImportParams): Promise<StorageJob>;
  getJob(jobId: number): Promise<StorageJob>;
  /** Newest first. */
  listJobs(limit: number): Promise<StorageJob[]>;
  /** The buckets the token can read. */
  listBuckets(): Promise<StorageBucket[]>;
  /** The tables the token can read (`include=` empty: no metadata). */
  listTables(): Promise<StorageTable[]>;
  /** Up to `limit` (≤ 1000) rows of the table, in no guaranteed order. */
  previewTable(tableId: string, limit: number): Promise<StorageTablePreview>;
  /** Files carrying one or more of `tags`, newest first (eventually consistent, about 1 s). */
  listFiles(query: { tags: string[]; limit: number }): Promise<StorageFile[]>;
  /** Adds one tag to a file (idempotent: a file's tags are a set). */
  addFileTag(fileId: number, tag: string): Promise<void>;
}

export interface StorageClient {
  session(context: CallContext): StorageSession;
}

interface CallOptions {
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  idempotent: boolean;
  /** The answer's body is not read (tag and delete calls answer 201/204 with little or nothing). */
  ignoresBody?: boolean;
  /** Shape check of a 2xx body; anything else is an UnreadableAnswerError. Default: an object or array. */
  accepts?: (body: unknown) => boolean;
}

export function createStorageClient(deps: StorageClientDeps): StorageClient {
  const fetchFn = deps.fetch ?? fetch;
  const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const baseUrl = () => (typeof deps.baseUrl === 'function' ? deps.baseUrl() : deps.baseUrl);

  async function attempt<T>(context: CallContext, call: CallOptions): Promise<T> {
    const headers: Record<string, string> = {
      'X-StorageApi-Token': context.token,
      Accept: 'application/json',
      'User-Agent': 'keboola-table-importer',
    };
    if (context.runId) headers['X-KBC-RunId'] = context.runId;
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchFn(`${baseUrl()}${call.path}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(attemptTimeoutMs(policy))]),
      });
    } catch (err) {
      if (context.signal.aborted) throw new AbortError(asError(context.signal.reason));
      deps.onCall?.(call.endpoint, 'network');
      throw err;
    }
    deps.onCall?.(call.endpoint, response.status);
    const { text, truncated } = await readBoundedText(response, MAX_ANSWER_BYTES);
    if (!response.ok) {
      throw new StorageHttpError(
        response.status,
        parseErrorBody(text),
        parseRetryAfterMs(response.headers.get('retry-after')),
      );
    }
    if (call.ignoresBody) return undefined as T;
    if (truncated) throw new UnreadableAnswerError(response.status, 'an oversized body');
    if (text === '') throw new UnreadableAnswerError(response.status, 'an empty body');
    const body = parseJson(text);
    if (body === undefined) throw new UnreadableAnswerError(response.status, 'a body that is not JSON');
    if (!(call.accepts ?? isJsonContainer)(body))
      throw new UnreadableAnswerError(response.status, 'an unexpected body');
    return body as T;
  }

  async function call<T>(context: CallContext, options: CallOptions): Promise<T> {
    try {
      if (!options.idempotent) return await attempt<T>(context, options);
      return await pRetry(
        () => attempt<T>(context, options),
        retryOptions(policy, { signal: context.signal, onRetry: () => deps.onRetry?.(options.endpoint) }),
      );
    } catch (err) {
      if (context.signal.aborted) throw context.signal.reason;
      const cause = err instanceof AbortError ? err.originalError : err;
      if (!options.idempotent && isUncertainOutcome(cause))
        throw new UncertainOutcomeError(options.endpoint, cause);
      throw storageErrorToAppError(options.endpoint, cause, { timeoutMs: attemptTimeoutMs(policy) });
    }
  }

  return {
    session(context) {
      const scope = context.branchId
        ? `/v2/storage/branch/${encodeURIComponent(context.branchId)}`
        : '/v2/storage';
      const get = <T>(endpoint: string, path: string) =>
        call<T>(context, { endpoint, method: 'GET', path: `${scope}/${path}`, idempotent: true });
      const orNullWhenMissing = async <T>(request: Promise<T>): Promise<T | null> => {
        try {
          return await request;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'storage.tables.notFound' || code === 'storage.buckets.notFound') return null;
          throw err;
        }
      };
      return {
        getTable: (tableId) =>
          orNullWhenMissing(get<StorageTable>('tables/detail', `tables/${encodeURIComponent(tableId)}`)),
        getBucket: (bucketId) =>
          orNullWhenMissing(get<StorageBucket>('buckets/detail', `buckets/${encodeURIComponent(bucketId)}`)),
        async ensureBucket(stage, name) {
          try {
            await call(context, {
              endpoint: 'buckets/create',
              method: 'POST',
              path: `${scope}/buckets`,
              body: { stage, name },
              idempotent: true,
            });
          } catch (err) {
            if ((err as { code?: string }).code !== 'storage.buckets.alreadyExists') throw err;
          }
        },
        prepareFile: (params) =>
          call<StorageFile>(context, {
            endpoint: 'files/prepare',
            method: 'POST',
            path: `${scope}/files/prepare`,
            body: { ...params, federationToken: true, isEncrypted: true },
            idempotent: true,
          }),
        getFile: (fileId) => get<StorageFile>('files/detail', `files/${fileId}`),
        async deleteFile(fileId) {
          try {
            await call<void>(context, {
              endpoint: 'files/delete',
              method: 'DELETE',
              path: `${scope}/files/${fileId}`,
              idempotent: true,
              ignoresBody: true,
            });
          } catch (err) {
            if ((err as { code?: string }).code !== 'storage.files.notFound') throw err;
          }
        },
        refreshFile: (fileId) =>
          call<StorageFile>(context, {
            endpoint: 'files/refresh',
            method: 'PUT',
            path: `${scope}/files/${fileId}/refresh`,
            body: {},
            idempotent: true,
          }),
        createTableAsync: (bucketId, params) =>
          call<StorageJob>(context, {
            endpoint: 'tables-async',
            method: 'POST',
            path: `${scope}/buckets/${encodeURIComponent(bucketId)}/tables-async`,
            body: params,
            idempotent: false,
            accepts: isJob,
          }),
        importTableAsync: (tableId, params) =>
          call<StorageJob>(context, {
            endpoint: 'import-async',
            method: 'POST',
            path: `${scope}/tables/${encodeURIComponent(tableId)}/import-async`,
            body: params,
            idempotent: false,
            accepts: isJob,
          }),
        getJob: (jobId) =>
          call<StorageJob>(context, {
            endpoint: 'jobs/detail',
            method: 'GET',
            path: `/v2/storage/jobs/${jobId}`,
            idempotent: true,
          }),
        listJobs: (limit) =>
          call<StorageJob[]>(context, {
            endpoint: 'jobs/list',
            method: 'GET',
            path: `/v2/storage/jobs?limit=${limit}`,
            idempotent: true,
          }),
        listBuckets: () =>
          call<StorageBucket[]>(context, {
            endpoint: 'buckets/list',
            method: 'GET',
            path: `${scope}/buckets`,
            idempotent: true,
            accepts: Array.isArray,
          }),
        listTables: () =>
          call<StorageTable[]>(context, {
            endpoint: 'tables/list',
            method: 'GET',
            path: `${scope}/tables?include=`,
            idempotent: true,
            accepts: Array.isArray,
          }),
        previewTable: (tableId, limit) =>
          get<StorageTablePreview>(
            'tables/preview',
            `tables/${encodeURIComponent(tableId)}/data-preview?format=json&limit=${limit}`,
          ),
        listFiles: ({ tags, limit }) =>
          get<StorageFile[]>(
            'files/list',
            `files?${[...tags.map((tag) => `tags[]=${encodeURIComponent(tag)}`), `limit=${limit}`].join('&')}`,
          ),
        addFileTag: (fileId, tag) =>
          call<void>(context, {
            endpoint: 'files/tags',
            method: 'POST',
            path: `${scope}/files/${fileId}/tags`,
            body: { tag },
            idempotent: true,
            ignoresBody: true,
          }),
      };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isJsonContainer(body: unknown): boolean {
  return body !== null && typeof body === 'object';
}

/** A started job must at least carry the id the importer waits on. */
function isJob(body: unknown): boolean {
  return isJsonContainer(body) && typeof (body as { id?: unknown }).id === 'number';
}

function parseErrorBody(text: string): StorageErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as StorageErrorBody) : {};
  } catch {
    return {};
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
