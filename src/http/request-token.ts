// Where a caller's Storage API token may come from: the X-StorageApi-Token header, an
// Authorization: Bearer header, or `?token=` for webhook senders that cannot set headers.
// Never logged, never echoed (the request log prints the path without its query).
import { AppError } from '../errors.js';

export function readStorageToken(
  header: (name: string) => string | undefined,
  query?: URLSearchParams,
): string {
  const direct = header('x-storageapi-token')?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header('authorization') ?? '');
  if (bearer?.[1]) return bearer[1];
  const fromQuery = query?.get('token')?.trim();
  if (fromQuery) return fromQuery;
  throw new AppError(
    401,
    'importer.tokenMissing',
    'Send your Storage API token in the X-StorageApi-Token header (or Authorization: Bearer <token>, or ?token=<token>).',
  );
}
