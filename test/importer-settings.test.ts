// importerSettingsFrom(config, overrides): the one pure step from Config to the routes' settings.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DEFAULT_JOB_SEARCH } from '../src/routes/write-table/find-started-job.js';
import { DEFAULT_IDEMPOTENCY } from '../src/routes/write-table/idempotency/decide-keyed-import.js';
import { DEFAULT_JOB_POLL } from '../src/routes/write-table/wait-for-job.js';
import { importerSettingsFrom } from '../src/settings.js';

describe('importerSettingsFrom', () => {
  it('derives the limits from the config and defaults the rest', () => {
    const config = loadConfig({
      IDLE_TIMEOUT_SECONDS: '7',
      JOB_WAIT_SECONDS: '20',
      PUBLIC_URL: 'https://i.example',
    });
    const settings = importerSettingsFrom(config);
    expect(settings).toMatchObject({
      maxFileBytes: config.maxFileBytes,
      partBytes: config.uploadPartBytes,
      queueSize: config.uploadQueueSize,
      idleTimeoutMs: 7_000,
      defaultWaitSeconds: 20,
      maxWaitSeconds: 3600,
      jobPoll: DEFAULT_JOB_POLL,
      jobSearch: DEFAULT_JOB_SEARCH,
      json: { sampleRecords: config.jsonSampleRecords, sampleBytes: config.jsonSampleBytes },
      publicUrl: config.publicUrl,
    });
    expect(settings.progressHeartbeatMs).toBeUndefined();
    // Local mode: the stand-in lists files at once, so no settle wait.
    expect(settings.idempotency).toEqual({ ...DEFAULT_IDEMPOTENCY, listSettleMs: 0 });
  });

  it('keeps Keboola list settling in remote mode and applies test overrides', () => {
    const config = loadConfig({ KBC_URL: 'https://connection.keboola.com', JOB_WAIT_SECONDS: '5000' });
    const settings = importerSettingsFrom(config, {
      jobPoll: { firstPollDelayMs: 1, maxPollDelayMs: 2 },
      progressHeartbeatMs: 50,
      idempotency: { jobListLimit: 3 },
    });
    expect(settings.maxWaitSeconds).toBe(5000);
    expect(settings.jobPoll).toEqual({ firstPollDelayMs: 1, maxPollDelayMs: 2 });
    expect(settings.progressHeartbeatMs).toBe(50);
    expect(settings.idempotency).toEqual({ ...DEFAULT_IDEMPOTENCY, jobListLimit: 3 });
  });
});
