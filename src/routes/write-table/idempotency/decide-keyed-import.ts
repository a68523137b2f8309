// The cross-instance race of one idempotency key, decided in Storage after the upload: of the files
// carrying the key, the oldest (lowest id) that is not abandoned wins and starts the one job; every
// other request follows the job found for any of the key's files. File ids are handed out in order
// by files/prepare, which makes them the only lock needed. Misuse (another table, another body) → 422.
import { setTimeout as sleep } from 'node:timers/promises';
import { importerError } from '../../../errors.js';
import type { KeyedFile } from './idempotency-tags.js';
import { findKeyedJob, type KeyedJob, type KeyedSession, listKeyedFiles } from './keyed-files.js';

export interface IdempotencySettings {
  /**
   * The deciding list is read at least this long after the own file was prepared: GET files is
   * eventually consistent (about 1 s on Keboola), and an older file missing from it would let two
   * requests both start a job. The stand-in lists at once, so local mode uses 0.
   */
  listSettleMs: number;
  /** First pause between listings while an older request is still uploading (grows ×1.5). */
  pollMs: number;
  pollMaxMs: number;
  /** A follower waits this long at least for the older request's job, even with wait=0. */
  minFollowMs: number;
  /** An uploaded file whose job has not appeared after this long: its request died before starting it. */
  orphanAfterMs: number;
  /** A file still not uploaded after this long: its request died mid-upload. */
  staleUploadMs: number;
  /** How many of the newest jobs are scanned for a job of the key's files. */
  jobListLimit: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencySettings = {
  listSettleMs: 1_000,
  pollMs: 50,
  pollMaxMs: 1_000,
  minFollowMs: 30_000,
  orphanAfterMs: 120_000,
  staleUploadMs: 3_600_000,
  jobListLimit: 100,
};

export type KeyedDecision = { kind: 'start' } | ({ kind: 'follow' } & KeyedJob);

export interface OwnKeyedFile {
  id: number;
  /** The request's own tag: another file carrying it is a files/prepare retried after a lost answer. */
  requestTag: string;
  /** When files/prepare answered (epoch ms, this process's clock). */
  preparedAtMs: number;
  bodySha256: string;
  table: string;
}

export const keyReused = (what: 'table' | 'body') =>
  importerError(
    'importer.idempotencyKeyReused',
    `This idempotency key was already used with a different ${what === 'table' ? 'table (or branch)' : 'body'}. A key names one request: send new data with a new key.`,
  );

const keyInProgress = () =>
  importerError(
    'importer.idempotencyKeyInProgress',
    'An earlier request with this idempotency key is still uploading, and its import has not started yet. Retry later with the same key.',
    { retryAfterSeconds: 10 },
  );

export async function decideKeyedImport(
  session: KeyedSession,
  input: {
    key: string;
    own: OwnKeyedFile;
    settings: IdempotencySettings;
    signal: AbortSignal;
    /** Waiting for an older request's job ends here (epoch ms) with 409. */
    followUntilMs: number;
    now?: () => number;
  },
): Promise<KeyedDecision> {
  const { own, settings, signal } = input;
  const now = input.now ?? Date.now;
  const settleMs = own.preparedAtMs + settings.listSettleMs - now();
  if (settleMs > 0) await sleep(settleMs, undefined, { signal });
  let delayMs = settings.pollMs;
  for (;;) {
    const files = await withoutOwnStrays(
      session,
      withOwnFile(await listKeyedFiles(session, input.key), own),
      own,
    );
    if (files.some((file) => file.table !== undefined && file.table !== own.table)) throw keyReused('table');
    const found = await findKeyedJob(session, files, settings.jobListLimit);
    if (found) {
      // A file without its uploaded tag (tagging failed) cannot be compared: its job is followed.
      const digest = found.file.uploaded?.bodySha256;
      if (digest !== undefined && digest !== own.bodySha256.slice(0, digest.length)) throw keyReused('body');
      return { kind: 'follow', ...found };
    }
    const checkedAt = now();
    const first = files.find((file) => file.id === own.id || !isAbandoned(file, checkedAt, settings));
    if (!first || first.id === own.id) return { kind: 'start' };
    const digest = first.uploaded?.bodySha256;
    if (digest !== undefined && digest !== own.bodySha256.slice(0, digest.length)) throw keyReused('body');
    if (checkedAt >= input.followUntilMs) throw keyInProgress();
    await sleep(delayMs, undefined, { signal });
    delayMs = Math.min(delayMs * 1.5, settings.pollMaxMs);
  }
}

/** The own file belongs to the set even when the eventually consistent list does not show it yet. */
function withOwnFile(files: KeyedFile[], own: OwnKeyedFile): KeyedFile[] {
  if (files.some((file) => file.id === own.id)) return files;
  const ownFile: KeyedFile = {
    id: own.id,
    name: '',
    sizeBytes: undefined,
    createdMs: own.preparedAtMs,
    table: own.table,
    uploaded: { bodySha256: own.bodySha256, atMs: own.preparedAtMs, incremental: false },
    jobIds: [],
    requestTag: own.requestTag,
  };
  return [...files, ownFile].sort((a, b) => a.id - b.id);
}

/**
 * A files/prepare whose answer was lost and that was retried left a file nobody will upload: this
 * request's own, older than its real file, so it would hold up every request after it. Deleted.
 */
async function withoutOwnStrays(session: KeyedSession, files: KeyedFile[], own: OwnKeyedFile) {
  const strays = files.filter((file) => file.requestTag === own.requestTag && file.id !== own.id);
  for (const stray of strays) await session.deleteFile(stray.id).catch(() => {});
  return strays.length === 0 ? files : files.filter((file) => !strays.includes(file));
}

/** A file with no job (the caller checked) whose request evidently died. */
function isAbandoned(file: KeyedFile, nowMs: number, settings: IdempotencySettings): boolean {
  if (file.uploaded) return nowMs - file.uploaded.atMs > settings.orphanAfterMs;
  return Number.isFinite(file.createdMs) && nowMs - file.createdMs > settings.staleUploadMs;
}
