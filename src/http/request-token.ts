// Where a caller's Storage API token may come from: the X-StorageApi-Token header, an
// Authorization: Bearer header, or `?token=` for webhook senders that cannot set headers. Its shape
// is checked before anything else happens (Storage tokens are short printable ASCII): a token that
// cannot be one is refused without a Storage call, a slot or an echo. Never logged, never echoed.
import { importerError } from '../errors.js';

/** Storage tokens are printable ASCII without spaces; this is far above any real token's length. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,512}$/;

export function readStorageToken(
  header: (name: string) => string | undefined,
  query?: URLSearchParams,
): string {
  const token = findToken(header, query);
  if (token === undefined) {
    throw importerError(
      'importer.tokenMissing',
      'Send your Storage API token in the X-StorageApi-Token header (or Authorization: Bearer <token>, or ?token=<token>).',
    );
  }
  if (!TOKEN_SHAPE.test(token)) {
    throw importerError(
      'importer.tokenMalformed',
      'The Storage API token is malformed: a token is 1-512 printable ASCII characters without spaces or control characters.',
    );
  }
  return token;
}

function findToken(
  header: (name: string) => string | undefined,
  query: URLSearchParams | undefined,
): string | undefined {
  const direct = header('x-storageapi-token')?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(.+?)\s*$/is.exec(header('authorization') ?? '');
  if (bearer?.[1]) return bearer[1];
  const fromQuery = query?.get('token')?.trim();
  if (fromQuery) return fromQuery;
  return undefined;
}

/**
 * Every value a request offered as a token, as sent: the error renderer blanks them out of any
 * message, whatever layer produced it (a foreign error may quote a header value).
 */
export function offeredTokens(
  header: (name: string) => string | undefined,
  query: URLSearchParams,
): string[] {
  const offered = [
    header('x-storageapi-token'),
    /^Bearer\s+(.+?)\s*$/is.exec(header('authorization') ?? '')?.[1],
    ...query.getAll('token'),
  ];
  const values = new Set<string>();
  for (const value of offered) {
    if (value === undefined) continue;
    for (const variant of [value, value.trim()]) if (variant.length >= 4) values.add(variant);
  }
  return [...values];
}
