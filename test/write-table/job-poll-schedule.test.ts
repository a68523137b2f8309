// The job polling schedule: dense while small imports finish (a quarter of the time waited, at
// least 5 ms), then about 1.5× the time waited, capped.
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
  it('polls at 5 ms, then a quarter of the time waited later until 120 ms, then at about 1.5× the time waited, up to every 2 s', () => {
    expect(pollTimes(DEFAULT_JOB_POLL, 4_000)).toEqual([
      5, 10, 15, 20, 25, 31, 39, 49, 61, 76, 95, 119, 149, 224, 335, 503, 754, 1132, 1697, 2546, 3819,
    ]);
    expect(nextPollDelayMs(1_500, 60_000, DEFAULT_JOB_POLL)).toBe(2_000);
  });

  it('without a dense start grows ×1.5 from the first pause (the settings tests use)', () => {
    expect(pollTimes({ firstPollDelayMs: 10, maxPollDelayMs: 100 }, 300)).toEqual([10, 25, 48, 81, 132, 208]);
  });
});
