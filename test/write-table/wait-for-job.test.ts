// waitForJob with an in-process fake session: polls until the job is final, stops at the budget or
// on stopWaiting with the latest state, gives up quietly on a 5xx, and stops at once on abort.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { waitForJob } from '../../src/routes/write-table/wait-for-job.js';
import type { StorageJob } from '../../src/storage-api/storage-types.js';

const job = (status: StorageJob['status']): StorageJob => ({
  id: 7,
  status,
  url: 'u',
  tableId: 'in.c-a.t',
  operationName: 'tableImport',
  startTime: null,
  endTime: null,
  results: null,
});

/** A session whose getJob answers from a script (the last entry repeats). */
function scriptedJobs(script: Array<StorageJob | Error>) {
  const polls: number[] = [];
  return {
    polls,
    session: {
      async getJob(id: number) {
        polls.push(id);
        const answer = script[Math.min(polls.length, script.length) - 1] as StorageJob | Error;
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}

const FAST = { firstPollDelayMs: 1, maxPollDelayMs: 4, budgetMs: 5_000 };

describe('waitForJob', () => {
  it('polls until the job is final and reports each poll', async () => {
    const { session, polls } = scriptedJobs([job('processing'), job('processing'), job('success')]);
    const seen: string[] = [];
    const final = await waitForJob(session, job('waiting'), {
      ...FAST,
      signal: new AbortController().signal,
      onPoll: (polled) => seen.push(polled.status),
    });
    expect(final.status).toBe('success');
    expect(polls).toEqual([7, 7, 7]);
    expect(seen).toEqual(['processing', 'processing', 'success']);
  });

  it('does not poll a job that is already final', async () => {
    const { session, polls } = scriptedJobs([job('success')]);
    expect(
      (await waitForJob(session, job('error'), { ...FAST, signal: new AbortController().signal })).status,
    ).toBe('error');
    expect(polls).toEqual([]);
  });

  it('returns the latest state when the budget is spent', async () => {
    const { session, polls } = scriptedJobs([job('processing')]);
    const final = await waitForJob(session, job('waiting'), {
      ...FAST,
      budgetMs: 50,
      signal: new AbortController().signal,
    });
    expect(final.status).toBe('processing');
    expect(polls.length).toBeGreaterThan(0);
  });

  it('a zero budget answers with the accepted job without polling', async () => {
    const { session, polls } = scriptedJobs([job('success')]);
    const final = await waitForJob(session, job('waiting'), {
      ...FAST,
      budgetMs: 0,
      signal: new AbortController().signal,
    });
    expect(final.status).toBe('waiting');
    expect(polls).toEqual([]);
  });

  it('stopWaiting ends a pause at once with the latest state', async () => {
    const stop = new AbortController();
    const { session, polls } = scriptedJobs([job('processing')]);
    const waiting = waitForJob(session, job('waiting'), {
      firstPollDelayMs: 60_000,
      maxPollDelayMs: 60_000,
      budgetMs: 120_000,
      signal: new AbortController().signal,
      stopWaiting: stop.signal,
    });
    stop.abort();
    expect((await waiting).status).toBe('waiting');
    expect(polls).toEqual([]);
  });

  it('a 5xx while polling ends the wait with the latest state (the job runs on)', async () => {
    const { session } = scriptedJobs([
      job('processing'),
      new AppError(502, 'importer.storageFailed', 'down'),
    ]);
    const final = await waitForJob(session, job('waiting'), {
      ...FAST,
      signal: new AbortController().signal,
    });
    expect(final.status).toBe('processing');
  });

  it('a 4xx while polling is thrown', async () => {
    const refused = new AppError(403, 'accessDenied', 'no');
    const { session } = scriptedJobs([refused]);
    await expect(
      waitForJob(session, job('waiting'), { ...FAST, signal: new AbortController().signal }),
    ).rejects.toBe(refused);
  });

  it('an aborted request stops the pause at once', async () => {
    const request = new AbortController();
    const { session, polls } = scriptedJobs([job('processing')]);
    const waiting = waitForJob(session, job('waiting'), {
      firstPollDelayMs: 60_000,
      maxPollDelayMs: 60_000,
      budgetMs: 120_000,
      signal: request.signal,
    });
    request.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow();
    expect(polls).toEqual([]);
  });
});
