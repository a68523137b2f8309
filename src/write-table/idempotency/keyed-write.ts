// One write-table request's part in the idempotency protocol, for the upload and job phases to call
// at their few points: tags for files/prepare, the body digest, the decision before the job (start
// it, or follow the job of an older request with the same key), the job tag, and the cleanup of a
// file that can never be imported. Without a key every step is a no-op.
import type { Readable } from 'node:stream';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { TableRef } from '../write-table-fields.js';
import { digestBody } from './body-digest.js';
import { decideKeyedImport, type IdempotencySettings, type KeyedDecision } from './decide-keyed-import.js';
import { type IdempotencyKey, keyWithFormField } from './idempotency-key.js';
import { jobTag, keyTag, tableFingerprint, tableTag, uploadedTag } from './idempotency-tags.js';
import { deleteKeyedFile, type KeyedSession, tagFile } from './keyed-files.js';

/** Cleanup calls run after the request's own signal may have ended. */
const CLEANUP_TIMEOUT_MS = 10_000;

export interface KeyedWriteDeps {
  settings: IdempotencySettings;
  logger: Logger;
  metrics: Metrics;
  /** A default-branch session (files are prepared there) on `signal`. */
  session(signal: AbortSignal): KeyedSession;
  /** Marks the answer as a replay (header Idempotent-Replayed: true). */
  markReplayed(): void;
}

export interface KeyedWrite {
  readonly key: IdempotencyKey | undefined;
  /** An `idempotencyKey` form field arrived. */
  formField(value: string, dataStarted: boolean): void;
  /** Tags for files/prepare: the key and, when known, the table. */
  prepareTags(table: TableRef | undefined, branchId: string | undefined): string[];
  /** files/prepare answered. */
  prepared(): void;
  /** The body as the upload should read it (hashed as it passes, with a key). */
  tap(body: Readable): Readable;
  /** After the upload, before any job: start one, or follow the job of the key's first request. */
  decide(input: {
    fileId: number;
    /** Bytes stored in the file. */
    sizeBytes: number;
    tableId: string;
    branchId: string | undefined;
    budgetMs: number;
    signal: AbortSignal;
  }): Promise<KeyedDecision>;
  /** The job started for `fileId`: tag the file with it (best effort, in the background). */
  started(fileId: number, jobId: number): void;
  /** The request ends without a job for its file: delete the file (best effort). */
  abandon(fileId: number): Promise<void>;
}

export function createKeyedWrite(deps: KeyedWriteDeps, initial: IdempotencyKey | undefined): KeyedWrite {
  let key = initial;
  let preparedAtMs: number | undefined;
  let digest: (() => string) | undefined;
  const cleanupSession = () => deps.session(AbortSignal.timeout(CLEANUP_TIMEOUT_MS));

  return {
    get key() {
      return key;
    },
    formField(value, dataStarted) {
      key = keyWithFormField(key, value, dataStarted);
    },
    prepareTags(table, branchId) {
      if (!key) return [];
      const tags = [keyTag(key.value)];
      if (table) tags.push(tableTag(tableFingerprint(table.tableId, branchId)));
      return tags;
    },
    prepared() {
      preparedAtMs = Date.now();
    },
    tap(body) {
      if (!key) return body;
      const digested = digestBody(body);
      digest = digested.hex;
      return digested.stream;
    },
    async decide({ fileId, sizeBytes, tableId, branchId, budgetMs, signal }) {
      if (!key || !digest) return { kind: 'start' };
      const session = deps.session(signal);
      const bodySha256 = digest();
      const table = tableFingerprint(tableId, branchId);
      await session.addFileTag(
        fileId,
        uploadedTag({ bodySha256, table, atMs: Date.now(), bytes: sizeBytes }),
      );
      const decision = await decideKeyedImport(session, {
        key: key.value,
        own: { id: fileId, preparedAtMs: preparedAtMs ?? Date.now(), bodySha256, table },
        settings: deps.settings,
        signal,
        followUntilMs: Date.now() + Math.max(budgetMs, deps.settings.minFollowMs),
      });
      if (decision.kind === 'follow') {
        deps.markReplayed();
        deps.metrics.idempotentReplays.inc({ stage: 'after-upload' });
        // This request's file will never be imported: only the key's first file stays.
        await deleteKeyedFile(cleanupSession(), fileId, deps.logger);
      }
      return decision;
    },
    started(fileId, jobId) {
      if (!key) return;
      void tagFile(cleanupSession(), fileId, jobTag(jobId), deps.logger);
    },
    async abandon(fileId) {
      if (!key) return;
      await deleteKeyedFile(cleanupSession(), fileId, deps.logger);
    },
  };
}
