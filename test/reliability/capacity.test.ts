// 200 concurrent uploads against MAX_CONCURRENT_UPLOADS=8: the excess is refused at once with 503
// and Retry-After (nothing prepared, nothing imported), never more than 8 run together, and every
// accepted request is imported exactly.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import {
  expectNoSecrets,
  listImporterFiles,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

const REQUESTS = 200;
const MAX_UPLOADS = 8;

// 200 concurrent requests: their own timeout, not the 15 s default.
describe('capacity', { timeout: 60_000 }, () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService(
      { MAX_CONCURRENT_UPLOADS: String(MAX_UPLOADS) },
      // Each accepted upload holds its slot a little while, so the burst really meets a full house.
      { faults: { rules: [{ target: 'prepare', fault: 'latency', rate: 1, latencyMs: 500 }] } },
    );
  });
  afterAll(async () => {
    expectNoSecrets([...service.logs, await service.metrics()], { token: service.token });
    await service.close();
  });

  it(`refuses the excess of ${REQUESTS} concurrent requests with 503 and imports the rest exactly`, async () => {
    let peakInFlight = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const inFlight = metricSum(await service.metrics(), 'table_importer_uploads_in_flight');
        peakInFlight = Math.max(peakInFlight, inFlight);
        await sleep(10);
      }
    })();
    const csvFor = (i: number) =>
      `id,request\n${Array.from({ length: 1 + (i % 5) }, (_, r) => `${r},${i}`).join('\n')}\n`;
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) =>
        writeTable(service.url, service.token, multipart([['tableId', `in.c-capacity.t${i}`]], csvFor(i))),
      ),
    );
    sampling = false;
    await sampler;

    const accepted = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
    const refused = results.filter((r) => r.status === 503);
    expect(
      results.filter((r) => r.status !== 200 && r.status !== 503).map((r) => [r.status, r.body.code]),
    ).toEqual([]);
    for (const r of refused) {
      expect(r.body).toMatchObject({ status: 'error', code: 'importer.atCapacity' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(accepted.length).toBeGreaterThanOrEqual(MAX_UPLOADS);
    expect(refused.length).toBeGreaterThan(REQUESTS / 2);
    expect(peakInFlight).toBeLessThanOrEqual(MAX_UPLOADS);
    console.log(
      `capacity figures: ${JSON.stringify({ requests: REQUESTS, accepted: accepted.length, refused: refused.length, peakInFlight })}`,
    );

    // Accepted: exactly their rows. Refused: nothing prepared, nothing created.
    for (const i of accepted) {
      const rows = await service.previewRows(`in.c-capacity.t${i}`);
      expect(rows.slice(1).map((row) => row[1])).toEqual(
        Array.from({ length: 1 + (i % 5) }, () => String(i)),
      );
    }
    const tables = (await (await service.storage('buckets/in.c-capacity/tables')).json()) as Array<{
      id: string;
    }>;
    expect(tables.map((t) => t.id).sort()).toEqual(accepted.map((i) => `in.c-capacity.t${i}`).sort());
    expect(await listImporterFiles(service)).toHaveLength(accepted.length);
    expect(await service.listJobs()).toHaveLength(accepted.length);
    expect(service.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});
