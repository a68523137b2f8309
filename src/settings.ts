// ImporterSettings: every tunable number and flag of the importer routes in one plain object,
// built from Config (plus test overrides) by importerSettingsFrom. Collaborators live apart.
import type { Config } from './config.js';
import type { UploadSettings } from './file-stores/file-store.js';
import { DEFAULT_JOB_SEARCH, type JobSearchSettings } from './routes/write-table/find-started-job.js';
import {
  DEFAULT_IDEMPOTENCY,
  type IdempotencySettings,
} from './routes/write-table/idempotency/decide-keyed-import.js';
import { DEFAULT_JOB_POLL, type JobPollSettings } from './routes/write-table/wait-for-job.js';

export interface JsonSampleLimits {
  /** The column set is fixed after this many records… */
  sampleRecords: number;
  /** …or after this many decoded body bytes, whichever comes first. */
  sampleBytes: number;
}

export interface ImporterSettings extends UploadSettings {
  maxFileBytes: number;
  idleTimeoutMs: number;
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  jobPoll: JobPollSettings;
  jobSearch: JobSearchSettings;
  /** JSON bodies: how many records / bytes fix the column set (JSON_SAMPLE_RECORDS / _BYTES). */
  json?: JsonSampleLimits;
  /** PUBLIC_URL: the base of absolute Location headers; undefined = relative ones. */
  publicUrl?: string | undefined;
  /** Progress streams re-send the job's state at least this often (tests use ~50 ms). */
  progressHeartbeatMs?: number;
  /** Idempotency-Key handling (idempotency/); defaults to DEFAULT_IDEMPOTENCY. */
  idempotency?: IdempotencySettings;
}

export interface SettingsOverrides {
  jobPoll?: JobPollSettings | undefined;
  jobSearch?: JobSearchSettings | undefined;
  progressHeartbeatMs?: number | undefined;
  idempotency?: Partial<IdempotencySettings> | undefined;
}

export function importerSettingsFrom(config: Config, overrides: SettingsOverrides = {}): ImporterSettings {
  return {
    maxFileBytes: config.maxFileBytes,
    partBytes: config.uploadPartBytes,
    queueSize: config.uploadQueueSize,
    idleTimeoutMs: config.idleTimeoutSeconds * 1000,
    defaultWaitSeconds: config.jobWaitSeconds,
    maxWaitSeconds: Math.max(config.jobWaitSeconds, 3600),
    jobPoll: overrides.jobPoll ?? DEFAULT_JOB_POLL,
    jobSearch: overrides.jobSearch ?? DEFAULT_JOB_SEARCH,
    idempotency: {
      ...DEFAULT_IDEMPOTENCY,
      // The stand-in lists files at once; Keboola's list trails by about a second.
      ...(config.mode === 'local' ? { listSettleMs: 0 } : {}),
      ...overrides.idempotency,
    },
    json: { sampleRecords: config.jsonSampleRecords, sampleBytes: config.jsonSampleBytes },
    publicUrl: config.publicUrl,
    ...(overrides.progressHeartbeatMs ? { progressHeartbeatMs: overrides.progressHeartbeatMs } : {}),
  };
}
