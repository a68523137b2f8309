// The job polling schedule: dense while small imports finish, then about 1.5× the time waited, capped.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JOB_POLL,
  type JobPollSettings,
  nextPollDelayMs,
} from '../../src/routes/write-table/wait-for-job.js';

/** The times (ms after the job started) at which polls go out, if each poll answered at once. */
function pollTimes(settings: JobPollSettings, untilMs: number): number[] {
  const times: number[] = [];
  let delay = settings.firstPollDelayMs;
  let at = 0;
  while (at + delay <= untilMs) {
    at += delay;
    times.push(Math.round(at));
    delay = nextPollDelayMs(delay, at, settings);
  }
  return times;
}

describe('job poll schedule', () => {
  it('polls every 15 ms for the first 120 ms, then at about 1.5× the time waited, up to every 2 s', () => {
    expect(pollTimes(DEFAULT_JOB_POLL, 4_000)).toEqual([
      15, 30, 45, 60, 75, 90, 105, 120, 180, 270, 405, 608, 911, 1367, 2050, 3075,
    ]);
    expect(nextPollDelayMs(1_500, 60_000, DEFAULT_JOB_POLL)).toBe(2_000);
  });

  it('without a dense start grows ×1.5 from the first pause (the settings tests use)', () => {
    expect(pollTimes({ firstPollDelayMs: 10, maxPollDelayMs: 100 }, 300)).toEqual([10, 25, 48, 81, 132, 208]);
  });
});
