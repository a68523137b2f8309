// loadConfig(env) as a pure function: defaults, the mode KBC_URL picks, and every problem reported
// in one ConfigError.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('loadConfig', () => {
  it('defaults to local mode on 127.0.0.1:8080 with the S3 port next to it', () => {
    expect(loadConfig({})).toMatchObject({
      mode: 'local',
      port: 8080,
      host: '127.0.0.1',
      kbcUrl: undefined,
      localS3Port: 8081,
      localStorageToken: 'local-token',
      maxFileBytes: 2 * 1024 ** 3,
      jobWaitSeconds: 1800,
      maxConcurrentUploads: 32,
      uploadPartBytes: 5 * 1024 ** 2,
      uploadQueueSize: 2,
      drainSeconds: 280,
      logLevel: 'info',
      localFaults: undefined,
    });
  });

  it('KBC_URL means remote mode on 0.0.0.0, without trailing slashes', () => {
    expect(loadConfig({ KBC_URL: 'https://connection.keboola.com//' })).toMatchObject({
      mode: 'remote',
      host: '0.0.0.0',
      kbcUrl: 'https://connection.keboola.com',
    });
  });

  it('PORT=0 gives an ephemeral S3 port too; blank values count as unset', () => {
    expect(loadConfig({ PORT: '0', LOG_LEVEL: '  ', HOST: '' })).toMatchObject({
      port: 0,
      localS3Port: 0,
      logLevel: 'info',
      host: '127.0.0.1',
    });
  });

  it('parses booleans, numbers and LOG_LEVEL case-insensitively', () => {
    expect(
      loadConfig({
        S3_FORCE_PATH_STYLE: 'Yes',
        MAX_FILE_BYTES: '1000',
        LOG_LEVEL: 'DEBUG',
        JOB_WAIT_SECONDS: '0',
      }),
    ).toMatchObject({ s3ForcePathStyle: true, maxFileBytes: 1000, logLevel: 'debug', jobWaitSeconds: 0 });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      PORT: '70000',
      KBC_URL: 'ftp://x',
      S3_FORCE_PATH_STYLE: 'maybe',
      UPLOAD_PART_BYTES: '1024',
      LOG_LEVEL: 'loud',
      LOCAL_STORAGE_TOKEN: 'has space',
    });
    expect(problems).toEqual([
      'KBC_URL must be an http(s) URL, got "ftp://x"',
      'PORT must be an integer from 0 to 65535, got "70000"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      'LOCAL_STORAGE_TOKEN must be 1-256 printable ASCII characters without spaces',
      'S3_FORCE_PATH_STYLE must be true/false/1/0, got "maybe"',
      `UPLOAD_PART_BYTES must be an integer from ${5 * 1024 ** 2} to ${5 * 1024 ** 3}, got "1024"`,
    ]);
  });

  it('LOCAL_FAULTS: parsed in local mode, refused in remote mode or when invalid', () => {
    expect(loadConfig({ LOCAL_FAULTS: 'seed:7,*:503:0.05' }).localFaults).toMatchObject({
      seed: 7,
      rules: [{ target: '*', fault: '503', rate: 0.05 }],
    });
    expect(problemsOf({ KBC_URL: 'https://x.keboola.com', LOCAL_FAULTS: 'seed:7' })).toEqual([
      'LOCAL_FAULTS works only in local mode (without KBC_URL)',
    ]);
    expect(problemsOf({ LOCAL_FAULTS: 'nonsense' })[0]).toMatch(/^LOCAL_FAULTS is invalid: /);
  });
});
