// Job-starting POSTs (import-async, tables-async) are sent once, and every failure that is not a
// definite refusal by Storage leaves the outcome unknown (UncertainOutcomeError → the caller looks
// the job up by file id instead of sending again). Regression: a 2xx whose body could not be read
// used to be a 502 importer.storageUnreachable (inviting a resend) or a `null` job.
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { RetryPolicy } from '../../src/storage-api/retry-policy.js';
import { UncertainOutcomeError } from '../../src/storage-api/storage-errors.js';
import type { StorageJob } from '../../src/storage-api/storage-types.js';
import { json, type ScriptedAnswer, type ScriptedStorage, startScriptedStorage } from './scripted-storage.js';

const POLICY: RetryPolicy = {
  retries: 3,
  minTimeoutMs: 10,
  maxTimeoutMs: 50,
  maxRetryTimeMs: 5_000,
  maxRetryAfterMs: 1_000,
  attemptTimeoutMs: 2_000,
};
const CSV = { dataFileId: 42, delimiter: ',', enclosure: '"', escapedBy: '' };
const JOB = { id: 7, status: 'waiting', url: 'u', tableId: 'in.c-a.t', operationName: 'tableImport' };

describe('job-starting POSTs', () => {
  let storage: ScriptedStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });
  async function importWith(
    answer: ScriptedAnswer,
    policy = POLICY,
  ): Promise<{ job?: StorageJob; error?: unknown; posts: number }> {
    storage = await startScriptedStorage([answer, json(202, JOB)]);
    const session = storage.session(policy);
    const outcome = await session.importTableAsync('in.c-a.t', { ...CSV, incremental: true }).then(
      (job) => ({ job }),
      (error: unknown) => ({ error }),
    );
    return { ...outcome, posts: storage.requests.filter((request) => request.method === 'POST').length };
  }

  it('returns the job of a readable 2xx', async () => {
    const { job, posts } = await importWith(json(202, JOB));
    expect(job).toEqual(JOB);
    expect(posts).toBe(1);
  });

  it.each([
    ['a body that is not JSON', { status: 202, body: '<html>accepted</html>' }],
    ['an empty body', { status: 202 }],
    ['JSON null', json(202, null)],
    ['a job without an id', json(200, { status: 'waiting' })],
  ] as Array<[string, ScriptedAnswer]>)(
    'a 2xx with %s is an uncertain outcome, never resent',
    async (_, answer) => {
      const { error, posts } = await importWith(answer);
      expect(error).toBeInstanceOf(UncertainOutcomeError);
      expect(error).toMatchObject({ status: 502, code: 'importer.importOutcomeUnknown' });
      expect(posts).toBe(1);
    },
  );

  it('tables-async with an unreadable 2xx is an uncertain outcome too', async () => {
    storage = await startScriptedStorage([{ status: 202, body: '{"id": 7,' }]);
    const error = await storage
      .session(POLICY)
      .createTableAsync('in.c-a', { ...CSV, name: 't' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UncertainOutcomeError);
    expect(storage.requests).toHaveLength(1);
  });

  it('no answer within the attempt timeout is an uncertain outcome', async () => {
    const { error, posts } = await importWith('hang', { ...POLICY, attemptTimeoutMs: 200 });
    expect(error).toBeInstanceOf(UncertainOutcomeError);
    expect(posts).toBe(1);
  });

  it('a 5xx without a Storage error body (a proxy answered) is an uncertain outcome', async () => {
    const { error, posts } = await importWith({ status: 502, body: 'Bad Gateway' });
    expect(error).toBeInstanceOf(UncertainOutcomeError);
    expect(posts).toBe(1);
  });

  it('a definite refusal by Storage is relayed, not uncertain', async () => {
    const refused = await importWith(
      json(400, { error: 'Bad columns', code: 'storage.tables.validation.invalidColumns' }),
    );
    expect(refused.error).not.toBeInstanceOf(UncertainOutcomeError);
    expect(refused.error).toMatchObject({ status: 400, code: 'storage.tables.validation.invalidColumns' });
    await storage?.close();
    const failed = await importWith(
      json(500, { error: 'Internal', code: 'APPLICATION_ERROR', exceptionId: 'x-1' }),
    );
    expect(failed.error).not.toBeInstanceOf(UncertainOutcomeError);
    expect(failed.error).toMatchObject({
      status: 502,
      code: 'importer.storageFailed',
      details: { exceptionId: 'x-1' },
    });
    expect(failed.posts).toBe(1);
  });
});

describe('idempotent calls with an unreadable 2xx', () => {
  let storage: ScriptedStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('a GET answered 200 with a body that is not JSON is a 502 storageFailed at once, body not echoed', async () => {
    storage = await startScriptedStorage([{ status: 200, body: '<html>SecretAccessKey=abc123</html>' }]);
    const error = await storage
      .session(POLICY)
      .getJob(7)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.storageFailed',
      details: { upstreamStatus: 200 },
    });
    expect(JSON.stringify({ ...(error as AppError), message: (error as AppError).message })).not.toContain(
      'abc123',
    );
    // A wrong URL or a proxy page answers the same way again: not retried.
    expect(storage.requests).toHaveLength(1);
    expect(storage.retries).toEqual([]);
  });

  it('a 200 with an empty body is not taken for a missing table', async () => {
    storage = await startScriptedStorage([{ status: 200 }]);
    const error = await storage
      .session(POLICY)
      .getTable('in.c-a.t')
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 502, code: 'importer.storageFailed' });
  });
});
