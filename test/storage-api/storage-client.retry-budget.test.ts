// Retries of idempotent calls stay inside the call's time budget (maxRetryTimeMs): an honoured
// Retry-After replaces the backoff instead of adding to it, a wait that would end past the budget
// is not taken (the call fails at once with Storage's real answer), and one attempt never outlasts
// the budget. Each test would run into its timeout if the wait were spent anyway.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/storage-api/retry-policy.js';
import { json, type ScriptedStorage, startScriptedStorage } from './scripted-storage.js';

const TABLE = { id: 'in.c-a.t', name: 't', columns: ['id'], primaryKey: [] };
const unavailable = (retryAfter?: string) =>
  json(503, { error: 'Maintenance', code: 'maintenance' }, retryAfter ? { 'Retry-After': retryAfter } : {});

describe('retry budget', () => {
  let storage: ScriptedStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('gives up at once with the real error when Retry-After would end past the budget', {
    timeout: 10_000,
  }, async () => {
    // Retry-After 20 s is within maxRetryAfterMs but not within the 1 s budget.
    const policy: RetryPolicy = {
      retries: 5,
      minTimeoutMs: 10,
      maxTimeoutMs: 50,
      maxRetryTimeMs: 1_000,
      maxRetryAfterMs: 60_000,
      attemptTimeoutMs: 1_000,
    };
    storage = await startScriptedStorage([unavailable('20'), json(200, TABLE)]);
    const error = await storage
      .session(policy)
      .getTable('in.c-a.t')
      .catch((err: unknown) => err);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.storageFailed',
      details: { upstreamStatus: 503 },
    });
    expect(storage.requests).toHaveLength(1);
    expect(storage.retries).toEqual([]);
  });

  it('waits Retry-After instead of the backoff, not on top of it', { timeout: 15_000 }, async () => {
    // A backoff of 20–40 s would run into the test timeout; Retry-After asks for 1 s.
    const policy: RetryPolicy = {
      retries: 2,
      minTimeoutMs: 20_000,
      maxTimeoutMs: 40_000,
      maxRetryTimeMs: 60_000,
      maxRetryAfterMs: 5_000,
      attemptTimeoutMs: 5_000,
    };
    storage = await startScriptedStorage([unavailable('1'), json(200, TABLE)]);
    const table = await storage.session(policy).getTable('in.c-a.t');
    expect(table).toEqual(TABLE);
    const [first, second] = storage.requests;
    expect(storage.requests).toHaveLength(2);
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(900);
    expect(storage.retries).toEqual(['tables/detail']);
  });

  it('does not start a backoff that would end past the budget', { timeout: 15_000 }, async () => {
    const policy: RetryPolicy = {
      retries: 5,
      minTimeoutMs: 20_000,
      maxTimeoutMs: 40_000,
      maxRetryTimeMs: 2_000,
      maxRetryAfterMs: 5_000,
      attemptTimeoutMs: 2_000,
    };
    storage = await startScriptedStorage([unavailable(), json(200, TABLE)]);
    const error = await storage
      .session(policy)
      .getTable('in.c-a.t')
      .catch((err: unknown) => err);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.storageFailed',
      details: { upstreamStatus: 503 },
    });
    expect(storage.requests).toHaveLength(1);
  });

  it('retries with backoff when no Retry-After is given', async () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, minTimeoutMs: 10, maxTimeoutMs: 50 };
    storage = await startScriptedStorage([unavailable(), unavailable(), json(200, TABLE)]);
    expect(await storage.session(policy).getTable('in.c-a.t')).toEqual(TABLE);
    expect(storage.requests).toHaveLength(3);
    expect(storage.retries).toEqual(['tables/detail', 'tables/detail']);
  });

  it('one attempt never outlasts the budget', { timeout: 15_000 }, async () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetryTimeMs: 500, attemptTimeoutMs: 60_000 };
    storage = await startScriptedStorage(['hang']);
    const error = await storage
      .session(policy)
      .getTable('in.c-a.t')
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ status: 502, code: 'importer.storageUnreachable' });
    expect(storage.calls).toEqual([['tables/detail', 'network']]);
  });

  it('the default attempt timeout fits inside the default budget', () => {
    expect(DEFAULT_RETRY_POLICY.attemptTimeoutMs).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxRetryTimeMs);
  });
});
