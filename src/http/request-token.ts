// Where a caller's Storage API token may come from. Never logged, never echoed.
import { AppError } from '../errors.js';

export function readStorageToken(header: (name: string) => string | undefined): string {
  const direct = header('x-storageapi-token')?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header('authorization') ?? '');
  if (bearer?.[1]) return bearer[1];
  throw new AppError(
    401,
    'importer.tokenMissing',
    'Send your Storage API token in the X-StorageApi-Token header (or Authorization: Bearer <token>).',
  );
}
