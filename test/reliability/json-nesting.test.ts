// A JSON body nested millions of levels deep (4 M `[`, ~4 KB gzipped) is refused while it streams
// in: 400 importer.invalidJson naming the depth, heap growth small (a streaming tokenizer would
// have built its stack first: ~300 B per level, over a GB), nothing uploaded, and the server serves on.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJson } from '../support/importer-requests.js';
import {
  collectGarbage,
  expectNoSecrets,
  listImporterFiles,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

const LEVELS = 4_000_000;

describe('deeply nested JSON', () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService();
  });
  afterAll(async () => {
    expectNoSecrets([...service.logs, await service.metrics()], { token: service.token });
    await service.close();
  });

  it(`refuses ${LEVELS} nested "[" early with 400 and a small heap`, async () => {
    const body = gzipSync(Buffer.from(`[{"a":${'['.repeat(LEVELS)}`));
    expect(body.length).toBeLessThan(8 * 1024);
    collectGarbage();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 2);
    const answer = await writeJson(
      service.url,
      service.token,
      body,
      { tableId: 'in.c-nest.deep' },
      { headers: { 'Content-Encoding': 'gzip' } },
    );
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    console.log(
      `json nesting figures: ${JSON.stringify({ levels: LEVELS, gzippedBytes: body.length, heapGrowthMiB: Math.round((peak - baseline) / 1024 / 1024) })}`,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.code).toBe('importer.invalidJson');
    expect(answer.body.error).toMatch(/nested more than 258 levels/);
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
    expect(await listImporterFiles(service)).toHaveLength(0);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
