// The fault plan as configuration: LOCAL_FAULTS parses (compact or JSON) or fails config with every
// problem; the injector is reproducible from its seed and its failure rates add up; and a plan set
// only by the environment reaches the running stand-in.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createFaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import { FaultPlanError, parseFaultPlan } from '../../src/local-storage/faults/fault-plan.js';
import { multipart, writeTable } from '../support/http-client.js';
import { startLocalService } from '../support/local-service.js';
import { TEST_JOB_SEARCH } from '../support/reliability-service.js';

describe('fault plan', () => {
  it('parses the compact form and the JSON form alike', () => {
    const compact = parseFaultPlan(
      'seed:7, retry-after:2 *:503:0.05 import:reset-after:0.1 job:latency:0.2:300',
    );
    const json = parseFaultPlan(
      JSON.stringify({
        seed: 7,
        retryAfterSeconds: 2,
        rules: [
          { target: '*', fault: '503', rate: 0.05 },
          { target: 'import', fault: 'reset-after', rate: 0.1 },
          { target: 'job', fault: 'latency', rate: 0.2, latencyMs: 300 },
        ],
      }),
    );
    expect(compact).toEqual(json);
    expect(compact.rules).toHaveLength(3);
  });

  it('reports every problem at once', () => {
    expect(() =>
      parseFaultPlan('nope:500:0.1,import:418:0.1,job:500:2,job-run:500:0.1,job:latency:0.1,x'),
    ).toThrow(FaultPlanError);
    try {
      parseFaultPlan('nope:500:0.1,import:418:0.1,job:500:2,job-run:500:0.1,job:latency:0.1,x');
    } catch (err) {
      expect((err as FaultPlanError).problems).toHaveLength(6);
    }
  });

  it('is reproducible from its seed, and failure rates on one target add up', () => {
    const plan = {
      seed: 42,
      rules: [
        { target: '*' as const, fault: '500' as const, rate: 0.1 },
        { target: 'job' as const, fault: 'reset-before' as const, rate: 0.1 },
      ],
    };
    const run = () => {
      const injector = createFaultInjector(plan);
      return Array.from({ length: 2000 }, () => injector.decide('job').failure ?? '-');
    };
    const first = run();
    expect(run()).toEqual(first);
    const failures = first.filter((f) => f !== '-').length / first.length;
    expect(failures).toBeGreaterThan(0.17);
    expect(failures).toBeLessThan(0.23);
    expect(createFaultInjector(plan).decide('s3-part').failure).toBeUndefined();
  });

  it('LOCAL_FAULTS is a config variable: invalid or in remote mode it stops the start', () => {
    expect(loadConfig({ LOCAL_FAULTS: 'seed:1,import:500:0.5' }).localFaults?.rules).toHaveLength(1);
    expect(loadConfig({}).localFaults).toBeUndefined();
    expect(() => loadConfig({ LOCAL_FAULTS: 'import:500:7' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ LOCAL_FAULTS: 'import:500:0.1', KBC_URL: 'https://connection.keboola.com' }),
    ).toThrow(/LOCAL_FAULTS works only in local mode/);
  });

  it('a plan from LOCAL_FAULTS alone reaches the stand-in: a cut import POST is found, not resent', async () => {
    const service = await startLocalService(
      { LOCAL_FAULTS: 'seed:1,import:reset-after:1' },
      { jobSearch: TEST_JOB_SEARCH },
    );
    try {
      expect(service.logs.some((line) => line.includes('fault injection is on'))).toBe(true);
      const created = await writeTable(
        service.url,
        service.token,
        multipart([['tableId', 'in.c-env.t']], 'id\n1\n'),
      );
      expect(created.status).toBe(200);
      const { status, body } = await writeTable(
        service.url,
        service.token,
        multipart(
          [
            ['tableId', 'in.c-env.t'],
            ['incremental', '1'],
          ],
          'id\n2\n',
        ),
      );
      expect(status, JSON.stringify(body)).toBe(200);
      const jobs = await service.listJobs();
      expect(jobs.map((job) => job.operationName).sort()).toEqual(['tableCreate', 'tableImport']);
      expect((await service.getTable('in.c-env.t')).rowsCount).toBe(2);
      expect(
        service.logs.filter(
          (line) => line.includes('injected Storage fault') && line.includes('"target":"import"'),
        ),
      ).toHaveLength(1);
    } finally {
      await service.close();
    }
  });
});
