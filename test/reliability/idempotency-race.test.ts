// Idempotency across instances: 20 concurrent requests with one key, split between two importer
// processes (remote mode) that share one Storage stand-in, start exactly one import and all answer
// its outcome — also when Storage and S3 fail now and then and every client retries until it has
// an answer. Nothing in either process knows about the other: Storage alone decides.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector, type FaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import { type LocalStorageServer, startLocalStorageServer } from '../../src/local-storage/local-storage.js';
import { type ChildService, spawnService } from '../support/child-service.js';
import { multipart } from '../support/http-client.js';
import { metricSum } from '../support/reliability-service.js';

const TOKEN = 'race-master-token';
const CLIENTS = 20;

type Job = {
  id: number;
  operationName: string;
  status: string;
  tableId: string | null;
  operationParams?: { source?: { fileId?: number } };
};
type Answer = { status: number; body: Record<string, unknown>; replayed: boolean; attempts: number };

describe.sequential('one idempotency key, 20 concurrent requests, two importer processes', () => {
  let dataDir: string;
  let storage: LocalStorageServer;
  let faults: FaultInjector;
  let importers: ChildService[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idem-race-'));
    faults = createFaultInjector();
    storage = await startLocalStorageServer({
      dataDir,
      tokens: [{ token: TOKEN, description: 'race master', isMasterToken: true }],
      s3Port: 0,
      faults,
    });
    const env = {
      KBC_URL: storage.url,
      S3_ENDPOINT: storage.s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      HOST: '127.0.0.1',
    };
    importers = await Promise.all([spawnService(env, { dataDir }), spawnService(env, { dataDir })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(importers.map((importer) => importer.kill()));
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (path: string) => {
    const response = await fetch(`${storage.url}/v2/storage/${path}`, {
      headers: { 'X-StorageApi-Token': TOKEN },
    });
    return response.json() as Promise<unknown>;
  };
  const importJobs = async (tableId: string) =>
    ((await api('jobs?limit=1000')) as Job[]).filter(
      (job) => job.operationName === 'tableImport' && job.tableId === tableId,
    );
  const rowsCount = async (tableId: string) =>
    ((await api(`tables/${tableId}`)) as { rowsCount: number }).rowsCount;
  const keyedFiles = async () =>
    ((await api('files?limit=1000')) as Array<{ id: number; tags: string[] }>).filter((file) =>
      file.tags.some((tag) => tag.startsWith('importer-idem-key-')),
    );

  /** One client: sends until it has a final answer, retrying network errors, 409 and 5xx. */
  async function client(index: number, tableId: string, csv: string, key: string): Promise<Answer> {
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      const importer = importers[(index + attempt) % importers.length] as ChildService;
      try {
        const response = await fetch(`${importer.url}/write-table`, {
          method: 'POST',
          headers: { 'X-StorageApi-Token': TOKEN, 'Idempotency-Key': key },
          body: multipart(
            [
              ['tableId', tableId],
              ['incremental', '1'],
            ],
            csv,
          ),
        });
        const body = (await response.json()) as Record<string, unknown>;
        if (response.status === 409 || response.status >= 500) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        return {
          status: response.status,
          body,
          replayed: response.headers.get('idempotent-replayed') === 'true',
          attempts: attempt,
        };
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    throw new Error(`client ${index} got no final answer in 30 attempts`);
  }

  async function seed(tableId: string) {
    const response = await fetch(`${importers[0]?.url}/write-table`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': TOKEN },
      body: multipart([['tableId', tableId]], 'id,name\n0,seed\n'),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }

  async function race(tableId: string, key: string): Promise<Answer[]> {
    const csv = 'id,name\n1,a\n2,b\n3,c\n';
    return Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index, tableId, csv, key)));
  }

  function expectOneOutcome(answers: Answer[]) {
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const jobIds = new Set(answers.map((answer) => (answer.body.job as { id: number }).id));
    expect(jobIds.size).toBe(1);
    const fileIds = new Set(answers.map((answer) => (answer.body.file as { id: number }).id));
    expect(fileIds.size).toBe(1);
    // Every answer but the one that started the job is a replay.
    expect(answers.filter((answer) => !answer.replayed).length).toBeLessThanOrEqual(1);
  }

  it('without faults: one import job, every request answers it', async () => {
    const tableId = 'in.c-race.clean';
    await seed(tableId);
    const answers = await race(tableId, 'race-clean');

    expectOneOutcome(answers);
    expect(answers.every((answer) => answer.attempts === 1)).toBe(true);
    expect(await importJobs(tableId)).toHaveLength(1);
    expect(await rowsCount(tableId)).toBe(4);
    // The losers deleted their own uploads: one file carries the key.
    expect(await keyedFiles()).toHaveLength(1);
    const metrics = await Promise.all(
      importers.map(async (importer) => (await fetch(`${importer.url}/metrics`)).text()),
    );
    const replays = metrics.reduce(
      (sum, text) => sum + metricSum(text, 'table_importer_idempotent_replays_total'),
      0,
    );
    expect(replays).toBe(CLIENTS - 1);
    // Both processes took part in the race.
    for (const text of metrics) {
      expect(
        metricSum(text, 'table_importer_http_requests_total', { route: '/write-table' }),
      ).toBeGreaterThan(0);
    }
  }, 120_000);

  it('with Storage and S3 faults, clients retrying after every failure: still one import', async () => {
    const tableId = 'in.c-race.faulty';
    await seed(tableId);
    faults.configure({
      seed: 11,
      retryAfterSeconds: 1,
      rules: [
        { target: '*', fault: '503', rate: 0.05 },
        { target: '*', fault: 'reset-before', rate: 0.03 },
        { target: 'import', fault: 'reset-after', rate: 0.5 },
        { target: 'import', fault: 'reset-before', rate: 0.3 },
        { target: 'prepare', fault: 'reset-after', rate: 0.1 },
        { target: 'other', fault: 'reset-after', rate: 0.1 },
        { target: 's3', fault: '500', rate: 0.05 },
      ],
    });
    let answers: Answer[];
    try {
      answers = await race(tableId, 'race-faulty');
    } finally {
      const injected = faults.injected();
      faults.configure({ rules: [] });
      expect(Object.values(injected).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    }
    expectOneOutcome(answers);
    expect(await importJobs(tableId)).toHaveLength(1);
    expect(await rowsCount(tableId)).toBe(4);
  }, 240_000);
});
