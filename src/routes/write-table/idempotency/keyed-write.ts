// One write-table request's part in the idempotency protocol, for the upload and job phases to call
// at their few points: tags for files/prepare, the body digest, the decision before the job (start
// it, or follow the job of an older request with the same key), the job tag, and the cleanup of a
// file that can never be imported. Without a key every step is a no-op.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../logger.js';
import type { Metrics } from '../../../metrics.js';
import { jobSourceFileId } from '../../../storage-api/job-facts.js';
import type { StorageJob } from '../../../storage-api/storage-types.js';
import type { TableRef } from '../write-table-fields.js';
import { digestBody } from './body-digest.js';
import { decideKeyedImport, type IdempotencySettings, type KeyedDecision } from './decide-keyed-import.js';
import { type IdempotencyKey, keyWithFormField } from './idempotency-key.js';
import { jobTag, keyTag, requestTag, tableFingerprint, tableTag, uploadedTag } from './idempotency-tags.js';
import { deleteKeyedFile, findKeyedJob, type KeyedSession, listKeyedFiles, tagFile } from './keyed-files.js';
import { findReplay, ReplayFound } from './replay-before-upload.js';

/** Cleanup calls run after the request's own signal may have ended. */
const CLEANUP_TIMEOUT_MS = 10_000;
/**
 * A files/prepare cut short by a failure may still create its file: the cleanup that never learnt
 * the id looks for the request's own tag this much later (plus listSettleMs).
 */
const LATE_PREPARE_MS = 1_000;

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
  /** The replay check ran before the body was read (header or query key, table known or moot). */
  checkedBeforeBody(): void;
  /**
   * At the `data` part of a multipart body, when the replay check could not run before the body
   * (a form-field key, or tableId among the form fields): rejects with ReplayFound when an earlier
   * request with the key has its job, so the data is never uploaded. Undefined: nothing to check.
   */
  checkAtData(
    fields: { tableId: string | undefined; branchId: string | undefined; waitSeconds: number },
    signal: AbortSignal,
  ): Promise<void> | undefined;
  /** The answer is an earlier request's outcome. */
  replayed(stage: 'before-upload' | 'after-upload'): void;
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
    incremental: boolean;
    /** The CSV delimiter the answer names (sent or detected); undefined for JSON bodies. */
    delimiter: string | undefined;
    tableId: string;
    branchId: string | undefined;
    budgetMs: number;
    signal: AbortSignal;
  }): Promise<KeyedDecision>;
  /** The job started for `fileId`: tag the file with it (best effort, in the background). */
  started(fileId: number, jobId: number): void;
  /** True only when Storage's jobs list answered and holds no import or create job for the file. */
  confirmNoJob(fileId: number): Promise<boolean>;
  /**
   * The followed request's create job failed because another request created the table first; that
   * request then starts an import of the same file. Its job, once tagged or listed (within
   * minFollowMs), else `failed`.
   */
  retriedJob(fileId: number, failed: StorageJob, signal: AbortSignal): Promise<StorageJob>;
  /**
   * The request ends without a job for its file: delete the file (best effort). Files of a
   * files/prepare whose answer never came (retried, or cut short by the failure) are looked up by
   * the request's own tag, in the background, a moment later.
   */
  abandon(fileId: number | undefined): Promise<void>;
}

export function createKeyedWrite(deps: KeyedWriteDeps, initial: IdempotencyKey | undefined): KeyedWrite {
  let key = initial;
  let preparedAtMs: number | undefined;
  let digest: (() => string) | undefined;
  const ownTag = requestTag(randomBytes(8).toString('hex'));
  /** files/prepare was (about to be) sent with the key's tags. */
  let prepareSent = false;
  let replayChecked = false;
  const replayed = (stage: 'before-upload' | 'after-upload') => {
    deps.markReplayed();
    deps.metrics.idempotentReplays.inc({ stage });
  };
  const cleanupSession = () => deps.session(AbortSignal.timeout(CLEANUP_TIMEOUT_MS));

  return {
    get key() {
      return key;
    },
    formField(value, dataStarted) {
      key = keyWithFormField(key, value, dataStarted);
    },
    checkedBeforeBody() {
      replayChecked = true;
    },
    checkAtData({ tableId, branchId, waitSeconds }, signal) {
      // Without the table (tableId after `data`) a replay could answer for another table: the
      // body is uploaded, and the decision after it checks the table.
      if (!key || replayChecked || tableId === undefined) return undefined;
      replayChecked = true;
      const { value } = key;
      return (async () => {
        const found = await findReplay(deps.session(signal), {
          key: value,
          tableId,
          branchId,
          jobListLimit: deps.settings.jobListLimit,
        });
        if (found) throw new ReplayFound(found, waitSeconds);
      })();
    },
    replayed,
    prepareTags(table, branchId) {
      if (!key) return [];
      prepareSent = true;
      const tags = [keyTag(key.value), ownTag];
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
    async decide({ fileId, sizeBytes, incremental, delimiter, tableId, branchId, budgetMs, signal }) {
      if (!key || !digest) return { kind: 'start' };
      const session = deps.session(signal);
      const bodySha256 = digest();
      const table = tableFingerprint(tableId, branchId);
      await session.addFileTag(
        fileId,
        uploadedTag({ bodySha256, table, atMs: Date.now(), bytes: sizeBytes, incremental, delimiter }),
      );
      const decision = await decideKeyedImport(session, {
        key: key.value,
        own: { id: fileId, requestTag: ownTag, preparedAtMs: preparedAtMs ?? Date.now(), bodySha256, table },
        settings: deps.settings,
        signal,
        followUntilMs: Date.now() + Math.max(budgetMs, deps.settings.minFollowMs),
      });
      if (decision.kind === 'follow') {
        replayed('after-upload');
        // This request's file will never be imported: only the key's first file stays.
        await deleteKeyedFile(cleanupSession(), fileId, deps.logger);
      }
      return decision;
    },
    started(fileId, jobId) {
      if (!key) return;
      void tagFile(cleanupSession(), fileId, jobTag(jobId), deps.logger);
    },
    async retriedJob(fileId, failed, signal) {
      if (!key) return failed;
      const session = deps.session(signal);
      const until = Date.now() + deps.settings.minFollowMs;
      let delayMs = deps.settings.pollMs;
      while (Date.now() < until) {
        const files = (await listKeyedFiles(session, key.value)).filter((file) => file.id === fileId);
        const found = await findKeyedJob(session, files, deps.settings.jobListLimit);
        if (found && found.job.id > failed.id) return found.job;
        await sleep(delayMs, undefined, { signal });
        delayMs = Math.min(delayMs * 1.5, deps.settings.pollMaxMs);
      }
      return failed;
    },
    async confirmNoJob(fileId) {
      if (!key) return false;
      try {
        const jobs = await cleanupSession().listJobs(deps.settings.jobListLimit);
        return !jobs.some((job) => jobSourceFileId(job) === fileId);
      } catch {
        return false;
      }
    },
    async abandon(fileId) {
      if (!key) return;
      if (fileId !== undefined) await deleteKeyedFile(cleanupSession(), fileId, deps.logger);
      // Also any file of a files/prepare whose answer was lost (retried, or cut by this failure).
      if (prepareSent) void deleteLatePrepared(deps, ownTag);
    },
  };
}

async function deleteLatePrepared(deps: KeyedWriteDeps, ownTag: string): Promise<void> {
  await sleep(LATE_PREPARE_MS + deps.settings.listSettleMs);
  const session = deps.session(AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
  try {
    const files = await session.listFiles({ tags: [ownTag], limit: 10 });
    for (const file of files) await deleteKeyedFile(session, file.id, deps.logger);
  } catch (err) {
    deps.logger.warn(
      { code: (err as { code?: string }).code },
      'idempotency: looking up an unprepared file failed',
    );
  }
}
