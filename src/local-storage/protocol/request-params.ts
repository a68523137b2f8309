// Request parameters of the local Storage stand-in, the way Storage accepts them: query string
// merged with a JSON, urlencoded or multipart body; arrays as JSON, `x[]=` or `x[0]=`; booleans as
// true/false/1/0. Readers validate types and throw Storage validation errors; they know no endpoint.
import type { Context } from 'hono';
import { StorageError } from './storage-error.js';
import { validationError } from './storage-response.js';

export type RequestParams = Record<string, unknown>;

/** Parameter bodies are small; anything bigger is a client mistake (files go to S3). */
const MAX_PARAMS_BODY_BYTES = 1024 * 1024;
/** PHP's max_input_vars and (well below) max_input_nesting_level: Storage reads params with PHP. */
export const MAX_PARAMS = 1000;
export const MAX_PARAM_DEPTH = 32;

export async function readRequestParams(c: Context): Promise<RequestParams> {
  const params = foldFormEntries([...new URL(c.req.url).searchParams.entries()]);
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return params;
  const declaredLength = Number(c.req.header('content-length') ?? '0');
  if (declaredLength > MAX_PARAMS_BODY_BYTES) throw requestTooLarge();
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  return { ...params, ...(await readBody(c.req.raw, contentType)) };
}

function requestTooLarge(): StorageError {
  return new StorageError(413, 'storage.requestTooLarge', 'The request body is too large.');
}

/** The body, counted as it streams in: a chunked body has no Content-Length to check up front. */
async function readBoundedBody(request: Request): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_PARAMS_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw requestTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function readBody(request: Request, contentType: string): Promise<RequestParams> {
  const bytes = await readBoundedBody(request);
  if (contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      const headers = { 'content-type': request.headers.get('content-type') ?? contentType };
      form = await new Response(bytes, { headers }).formData();
    } catch {
      throw invalidBody('The multipart body could not be parsed.');
    }
    const entries: [string, string][] = [];
    for (const [key, value] of form.entries()) if (typeof value === 'string') entries.push([key, value]);
    return foldFormEntries(entries);
  }
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trim() === '') return {};
  if (contentType.startsWith('application/json') || contentType.includes('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidBody('The request body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidBody('The JSON request body must be an object.');
    }
    return parsed as RequestParams;
  }
  return foldFormEntries([...new URLSearchParams(text).entries()]);
}

function invalidBody(message: string): StorageError {
  return new StorageError(400, 'validation.failed', message);
}

/**
 * `a[]=1&a[]=2`, `a[0]=1`, `f[0][column]=x` → nested arrays and objects, PHP style, into
 * prototype-free objects. At most MAX_PARAMS entries nested at most MAX_PARAM_DEPTH deep (400).
 */
export function foldFormEntries(entries: [string, string][]): RequestParams {
  if (entries.length > MAX_PARAMS) {
    throw invalidBody(`Too many request parameters: at most ${MAX_PARAMS} are accepted.`);
  }
  const root: RequestParams = Object.create(null) as RequestParams;
  for (const [rawKey, value] of entries) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!match?.[1]) {
      root[rawKey] = value;
      continue;
    }
    const brackets = match[2] ?? '';
    let depth = 0;
    for (let index = brackets.indexOf('['); index !== -1; index = brackets.indexOf('[', index + 1)) {
      if (++depth > MAX_PARAM_DEPTH) {
        throw invalidBody(`A request parameter is nested deeper than ${MAX_PARAM_DEPTH} levels.`);
      }
    }
    const path = [...brackets.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? '');
    setPath(root, match[1], path, value);
  }
  return compactArrays(root) as RequestParams;
}

type Container = Record<string, unknown> | unknown[];

function setPath(container: Container, key: string, path: string[], value: string): void {
  const [next, ...rest] = path;
  if (next === undefined) {
    assign(container, key, value);
    return;
  }
  let child = read(container, key);
  if (typeof child !== 'object' || child === null) {
    child = next === '' || /^\d+$/.test(next) ? [] : Object.create(null);
    assign(container, key, child);
  }
  if (next === '' && Array.isArray(child)) {
    if (rest.length === 0) child.push(value);
    else {
      const holder: Record<string, unknown> = Object.create(null);
      child.push(holder);
      setPath(holder, rest[0] ?? '', rest.slice(1), value);
    }
    return;
  }
  setPath(child as Container, next, rest, value);
}

function read(container: Container, key: string): unknown {
  if (Array.isArray(container)) return container[Number(key)];
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

function assign(container: Container, key: string, value: unknown): void {
  if (Array.isArray(container)) {
    if (/^\d+$/.test(key) && Number(key) < 10_000) container[Number(key)] = value;
    else container.push(value);
  } else container[key] = value;
}

function compactArrays(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactArrays);
  if (typeof value === 'object' && value !== null) {
    const compacted: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) compacted[k] = compactArrays(v);
    return compacted;
  }
  return value;
}

export interface ParamReader {
  has(key: string): boolean;
  string(key: string): string | undefined;
  boolean(key: string, fallback: boolean): boolean;
  integer(key: string): number | undefined;
  stringArray(key: string): string[] | undefined;
}

/** Typed access to `params`; a wrong type becomes a 400 with `code`. */
export function createParamReader(params: RequestParams, code = 'validation.failed'): ParamReader {
  const fail = (key: string, message: string) => validationError(code, key, message);
  return {
    has: (key) => params[key] !== undefined && params[key] !== null,
    string(key) {
      const value = params[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw fail(key, 'This value should be of type string.');
    },
    boolean(key, fallback) {
      const value = params[key];
      if (value === undefined || value === null) return fallback;
      const parsed = parseBoolean(value);
      if (parsed === undefined) throw fail(key, 'This value should be of type boolean.');
      return parsed;
    },
    integer(key) {
      const value = params[key];
      if (value === undefined || value === null || value === '') return undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
      throw fail(key, 'This value should be of type integer.');
    },
    stringArray(key) {
      const value = params[key];
      if (value === undefined || value === null) return undefined;
      const items = Array.isArray(value) ? value : isIndexedObject(value) ? Object.values(value) : undefined;
      if (!items) throw fail(key, 'This value should be of type array.');
      return items.map((item, index) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        throw fail(`${key}[${index}]`, 'This value should be of type string.');
      });
    },
  };
}

export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const normalized = value.trim().toLowerCase();
    if (normalized === 'true' || normalized === '1') return true;
    if (normalized === 'false' || normalized === '0' || normalized === '') return false;
  }
  return undefined;
}

/** JSON `{"0":"a","1":"b"}` — what some form encoders produce for arrays. */
function isIndexedObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length > 0 &&
    Object.keys(value).every((key) => /^\d+$/.test(key))
  );
}

/** The `X-KBC-RunId` header, recorded on jobs and files. */
export function readRunId(c: Context): string | null {
  const runId = c.req.header('x-kbc-runid')?.trim() ?? '';
  return runId === '' ? null : runId;
}
