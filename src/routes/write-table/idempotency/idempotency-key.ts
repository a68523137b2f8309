// Which inputs name a write-table request's idempotency key and how a key is validated: the
// `Idempotency-Key` header, else the `idempotencyKey` query parameter, else `X-GitHub-Delivery`;
// an `idempotencyKey` form field (before `data`) stands in for X-GitHub-Delivery only.
import { importerError } from '../../../errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_FIELD = 'idempotencyKey';
export const GITHUB_DELIVERY_HEADER = 'x-github-delivery';
const MAX_KEY_LENGTH = 255;
/** Printable ASCII, space included: 0x20–0x7E. */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export type KeySource = 'header' | 'query' | 'github' | 'form';

export interface IdempotencyKey {
  value: string;
  source: KeySource;
}

const invalidKey = (message: string) =>
  importerError('importer.invalidIdempotencyKey', message, { field: IDEMPOTENCY_FIELD });

export function parseIdempotencyKey(value: string, source: KeySource): IdempotencyKey {
  if (value.length === 0 || value.length > MAX_KEY_LENGTH || !PRINTABLE_ASCII.test(value)) {
    const name =
      source === 'github' ? 'X-GitHub-Delivery' : source === 'header' ? 'Idempotency-Key' : IDEMPOTENCY_FIELD;
    throw invalidKey(`${name} must be 1-${MAX_KEY_LENGTH} printable ASCII characters.`);
  }
  return { value, source };
}

/**
 * The key known before the body is read (header, query or X-GitHub-Delivery), or undefined. The
 * query parameter is removed from `query`, so the field readers never see it.
 */
export function readKeyBeforeBody(
  header: (name: string) => string | undefined,
  query: URLSearchParams,
): IdempotencyKey | undefined {
  const fromQuery = query.getAll(IDEMPOTENCY_FIELD);
  query.delete(IDEMPOTENCY_FIELD);
  if (fromQuery.length > 1) throw invalidKey(`"${IDEMPOTENCY_FIELD}" was sent more than once.`);
  const fromHeader = header(IDEMPOTENCY_HEADER);
  if (fromHeader !== undefined) {
    const key = parseIdempotencyKey(fromHeader, 'header');
    if (fromQuery[0] !== undefined && fromQuery[0] !== key.value) {
      throw invalidKey(
        `The Idempotency-Key header and the "${IDEMPOTENCY_FIELD}" parameter differ: send one key.`,
      );
    }
    return key;
  }
  if (fromQuery[0] !== undefined) return parseIdempotencyKey(fromQuery[0], 'query');
  const delivery = header(GITHUB_DELIVERY_HEADER);
  return delivery === undefined ? undefined : parseIdempotencyKey(delivery, 'github');
}

/**
 * The key once an `idempotencyKey` form field arrived: it replaces an X-GitHub-Delivery key, must
 * equal a header or query key, and must come before the `data` part (files/prepare carries it).
 */
export function keyWithFormField(
  current: IdempotencyKey | undefined,
  value: string,
  dataStarted: boolean,
): IdempotencyKey {
  if (dataStarted) {
    throw invalidKey(`Send the "${IDEMPOTENCY_FIELD}" field before the "data" part.`);
  }
  const key = parseIdempotencyKey(value, 'form');
  if (current && current.source !== 'github' && current.value !== key.value) {
    throw invalidKey(`Two different idempotency keys were sent: send one.`);
  }
  if (current?.source === 'form') throw invalidKey(`"${IDEMPOTENCY_FIELD}" was sent more than once.`);
  return current && current.source !== 'github' ? current : key;
}
