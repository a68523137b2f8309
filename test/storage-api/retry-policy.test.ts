// The retry policy as p-retry runs it, through the Storage client with an in-process fake fetch
// (no server): which failures are retried, how many times, how long apart, Retry-After in place
// of the backoff, the call's time budget and cancellation.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryOptions } from '../../src/storage-api/retry-policy.js';
import { createStorageClient } from '../../src/storage-api/storage-client.js';

const TABLE = { id: 'in.c-a.t', name: 't', columns: ['id'], primaryKey: [] };
const FAST: RetryPolicy = {
  retries: 3,
  minTimeoutMs: 5,
  maxTimeoutMs: 20,
  randomize: false,
  maxRetryTimeMs: 5_000,
  maxRetryAfterMs: 2_000,
  attemptTimeoutMs: 2_000,
};

type Answer = Response | Error;
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const unavailable = (headers: Record<string, string> = {}) => json(503, { error: 'Maintenance' }, headers);

/** A fetch that answers from a script (the last entry repeats) and records when it was called. */
function fakeFetch(script: Array<() => Answer>) {
  const callsAtMs: number[] = [];
  const fetchFn = (async () => {
    callsAtMs.push(performance.now());
    const answer = (script[Math.min(callsAtMs.length, script.length) - 1] as () => Answer)();
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof fetch;
  return { fetchFn, callsAtMs, gapsMs: () => callsAtMs.slice(1).map((at, i) => at - (callsAtMs[i] ?? 0)) };
}

function sessionWith(
  policy: RetryPolicy,
  script: Array<() => Answer>,
  signal = new AbortController().signal,
) {
  const fake = fakeFetch(script);
  const retries: string[] = [];
  const client = createStorageClient({
    baseUrl: 'http://storage.invalid',
    fetch: fake.fetchFn,
    retryPolicy: policy,
    onRetry: (endpoint) => retries.push(endpoint),
  });
  return { ...fake, retries, session: client.session({ token: 't', signal }) };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('retry policy', () => {
  it('hands p-retry explicit bounds for every knob', () => {
    const options = retryOptions(DEFAULT_RETRY_POLICY, { signal: new AbortController().signal });
    expect(options).toMatchObject({
      retries: 5,
      factor: 2,
      minTimeout: 200,
      maxTimeout: 3_000,
      randomize: true,
      maxRetryTime: 30_000,
    });
  });

  it('backs off exponentially from minTimeoutMs, then succeeds', async () => {
    const policy = { ...FAST, minTimeoutMs: 30, maxTimeoutMs: 1_000 };
    const t = sessionWith(policy, [unavailable, unavailable, unavailable, () => json(200, TABLE)]);
    expect(await t.session.getTable('in.c-a.t')).toEqual(TABLE);
    expect(t.callsAtMs).toHaveLength(4);
    const [first, second, third] = t.gapsMs();
    expect(first).toBeGreaterThanOrEqual(28);
    expect(second).toBeGreaterThanOrEqual(58);
    expect(third).toBeGreaterThanOrEqual(118);
    expect(t.retries).toEqual(['tables/detail', 'tables/detail', 'tables/detail']);
  });

  it('caps each wait at maxTimeoutMs', async () => {
    // Without the cap the second wait would be 50 · 20 = 1 s.
    const policy = { ...FAST, retries: 2, minTimeoutMs: 50, maxTimeoutMs: 50, factor: 20 };
    const t = sessionWith(policy, [unavailable, unavailable, () => json(200, TABLE)]);
    expect(await t.session.getTable('in.c-a.t')).toEqual(TABLE);
    expect(t.gapsMs()[1]).toBeLessThan(600);
  });

  it('with jitter on (the default), a wait is never shorter than the backoff', async () => {
    const { randomize: _fixed, ...jittered } = FAST;
    const policy = { ...jittered, retries: 1, minTimeoutMs: 40, maxTimeoutMs: 1_000 };
    const t = sessionWith(policy, [unavailable, () => json(200, TABLE)]);
    await t.session.getTable('in.c-a.t');
    expect(t.gapsMs()[0]).toBeGreaterThanOrEqual(38);
  });

  it('stops after `retries` retries with the last answer as a 502', async () => {
    const t = sessionWith({ ...FAST, retries: 2 }, [unavailable]);
    const error = await failureOf(t.session.getTable('in.c-a.t'));
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.storageFailed',
      details: { upstreamStatus: 503 },
    });
    expect(t.callsAtMs).toHaveLength(3);
  });

  it('retries network errors, and gives up on them as importer.storageUnreachable', async () => {
    const t = sessionWith({ ...FAST, retries: 2 }, [() => new TypeError('fetch failed')]);
    const error = await failureOf(t.session.getTable('in.c-a.t'));
    expect(error).toMatchObject({ status: 502, code: 'importer.storageUnreachable' });
    expect(t.callsAtMs).toHaveLength(3);
  });

  it.each([400, 404, 501])('does not retry HTTP %i', async (status) => {
    const t = sessionWith(FAST, [() => json(status, { error: 'no' }), () => json(200, TABLE)]);
    await failureOf(t.session.getBucket('in.c-a'));
    expect(t.callsAtMs).toHaveLength(1);
  });

  it('does not retry a 2xx it cannot read', async () => {
    const t = sessionWith(FAST, [() => new Response('<html>', { status: 200 }), () => json(200, TABLE)]);
    const error = await failureOf(t.session.getTable('in.c-a.t'));
    expect(error).toMatchObject({ status: 502, code: 'importer.storageFailed' });
    expect(t.callsAtMs).toHaveLength(1);
  });

  it('waits Retry-After in place of the backoff', async () => {
    // A 10 s backoff on top would run into the test timeout.
    const policy = { ...FAST, minTimeoutMs: 10_000, maxTimeoutMs: 10_000, maxRetryTimeMs: 60_000 };
    const t = sessionWith(policy, [() => unavailable({ 'Retry-After': '0' }), () => json(200, TABLE)]);
    expect(await t.session.getTable('in.c-a.t')).toEqual(TABLE);
    expect(t.callsAtMs).toHaveLength(2);
  });

  it('counts Retry-After retries against `retries`', async () => {
    const t = sessionWith({ ...FAST, retries: 2 }, [() => unavailable({ 'Retry-After': '0' })]);
    const error = await failureOf(t.session.getTable('in.c-a.t'));
    expect(error).toMatchObject({ status: 502, details: { upstreamStatus: 503 } });
    expect(t.callsAtMs).toHaveLength(3);
  });

  it('does not wait for a Retry-After above maxRetryAfterMs', async () => {
    const t = sessionWith(FAST, [() => unavailable({ 'Retry-After': '3' }), () => json(200, TABLE)]);
    await failureOf(t.session.getTable('in.c-a.t'));
    expect(t.callsAtMs).toHaveLength(1);
    expect(t.retries).toEqual([]);
  });

  it('does not start a wait that cannot end inside the budget', async () => {
    const policy = { ...FAST, minTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxRetryTimeMs: 300 };
    const t = sessionWith(policy, [unavailable, () => json(200, TABLE)]);
    const startedAt = performance.now();
    await failureOf(t.session.getTable('in.c-a.t'));
    expect(t.callsAtMs).toHaveLength(1);
    expect(performance.now() - startedAt).toBeLessThan(250);
  });

  it('stops a Retry-After wait when the caller aborts', async () => {
    const controller = new AbortController();
    const policy = { ...FAST, maxRetryAfterMs: 60_000, maxRetryTimeMs: 120_000 };
    const t = sessionWith(policy, [() => unavailable({ 'Retry-After': '60' })], controller.signal);
    const failure = failureOf(t.session.getTable('in.c-a.t'));
    await expect.poll(() => t.retries.length).toBe(1);
    const reason = new Error('client went away');
    controller.abort(reason);
    expect(await failure).toBe(reason);
    expect(t.callsAtMs).toHaveLength(1);
  });

  it('sends a job-starting POST once, whatever the answer', async () => {
    const t = sessionWith(FAST, [unavailable]);
    await failureOf(
      t.session.importTableAsync('in.c-a.t', {
        dataFileId: 1,
        delimiter: ',',
        enclosure: '"',
        escapedBy: '',
        incremental: false,
      }),
    );
    expect(t.callsAtMs).toHaveLength(1);
  });
});
