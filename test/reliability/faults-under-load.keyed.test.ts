// The faults-under-load run again, with an idempotency key per request and a client that resends
// (same key) after every failure until it has a 200: under 20 % upstream faults every request
// ends imported exactly once, in order, so every table holds exactly the rows of its sequence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS_20_PERCENT } from '../support/fault-plans.js';
import { multipart, writeTable } from '../support/http-client.js';
import {
  expectNoSecrets,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

const TABLES = 5;
const REQUESTS_PER_TABLE = 10;
const SEQUENCES = ['FIIFIIFIII', 'FIIIFIIFII', 'FFIIIFIIII', 'FIFIFIFIFI', 'FIIIIIIIFI'];
const MAX_ATTEMPTS = 25;

type Job = {
  id: number;
  status: string;
  operationName: string;
  operationParams?: { source?: { fileId?: number } };
};

function csvFor(table: number, index: number): { csv: string; rows: number } {
  const rows = 1 + ((table * 7 + index * 13) % 40);
  const body = Array.from({ length: rows }, (_, row) => `${table}-${index},${row},p${row}\n`).join('');
  return { csv: `req,row,payload\n${body}`, rows };
}

describe('50 keyed imports under 20 % injected upstream faults, retried until 200', () => {
  let service: ReliabilityService;
  const bodies: string[] = [];
  beforeAll(async () => {
    service = await startReliabilityService(
      {},
      {
        faults: FAULTS_20_PERCENT,
        overrides: { idempotency: { minFollowMs: 1_000, orphanAfterMs: 3_000 } },
      },
    );
  });
  afterAll(async () => {
    service.faults.configure({ rules: [] });
    expectNoSecrets([...service.logs, ...bodies, await service.metrics()], { token: service.token });
    await service.close();
  });

  it('imports every request exactly once', { timeout: 120_000 }, async () => {
    const attempts: number[] = [];
    const firstFailures: Record<string, number> = {};
    const fileIds: number[] = [];
    const runTable = async (table: number) => {
      const tableId = `in.c-keyed.t${table}`;
      for (let index = 0; index < REQUESTS_PER_TABLE; index += 1) {
        const incremental = SEQUENCES[table]?.[index] === 'I';
        const { csv } = csvFor(table, index);
        const fields: Array<[string, string]> = [
          ['tableId', tableId],
          ['incremental', incremental ? '1' : '0'],
        ];
        for (let attempt = 1; ; attempt += 1) {
          const answer = await writeTable(service.url, service.token, multipart(fields, csv), {
            headers: { 'Idempotency-Key': `t${table}-r${index}` },
          }).catch((err: unknown) => ({ status: 0, body: { code: String(err) } }) as const);
          bodies.push(JSON.stringify(answer.body));
          if (answer.status === 200) {
            attempts.push(attempt);
            fileIds.push((answer.body.file as { id: number }).id);
            break;
          }
          const kind = `${answer.status} ${answer.body.code ?? ''}`;
          firstFailures[kind] = (firstFailures[kind] ?? 0) + 1;
          // Only what a retry may fix: upstream failures, a job still running, an in-progress key.
          expect([0, 202, 409, 502, 503], kind).toContain(answer.status);
          expect(attempt, `t${table} request ${index}: ${kind}`).toBeLessThan(MAX_ATTEMPTS);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: TABLES }, (_, table) => runTable(table)));
    const injected = service.faults.injected();
    service.faults.configure({ rules: [] });

    for (let table = 0; table < TABLES; table += 1) {
      let expected = 0;
      for (let index = 0; index < REQUESTS_PER_TABLE; index += 1) {
        const { rows } = csvFor(table, index);
        expected = SEQUENCES[table]?.[index] === 'I' ? expected + rows : rows;
      }
      expect((await service.getTable(`in.c-keyed.t${table}`)).rowsCount, `t${table}`).toBe(expected);
    }
    // One successful job per request, each on the file its answers named; no other job.
    const jobs = (await service.listJobs()) as Job[];
    expect(jobs.filter((job) => job.status !== 'success')).toEqual([]);
    expect(jobs).toHaveLength(TABLES * REQUESTS_PER_TABLE);
    expect(jobs.map((job) => job.operationParams?.source?.fileId).sort()).toEqual([...fileIds].sort());

    const metrics = await service.metrics();
    console.log(
      `keyed faults-under-load figures: ${JSON.stringify({
        attempts: attempts.reduce((sum, n) => sum + n, 0),
        retried: attempts.filter((n) => n > 1).length,
        maxAttempts: Math.max(...attempts),
        failures: firstFailures,
        replays: {
          beforeUpload: metricSum(metrics, 'table_importer_idempotent_replays_total', {
            stage: 'before-upload',
          }),
          afterUpload: metricSum(metrics, 'table_importer_idempotent_replays_total', {
            stage: 'after-upload',
          }),
        },
        injected: Object.values(injected).reduce((sum, n) => sum + n, 0),
      })}`,
    );
    expect(Object.keys(injected).length).toBeGreaterThan(0);
  });
});
