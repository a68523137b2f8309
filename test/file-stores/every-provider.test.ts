// One behavioural suite run against every file provider (as tus-node-server runs one suite against
// each store): local mode on s3rver, Azurite and the GCS API stand-in, the importer choosing its
// store from files/prepare's `provider`. Same bodies, same guarantees, same answers.
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import { type FaultTarget, NO_FAULTS } from '../../src/local-storage/faults/fault-plan.js';
import { multipart, writeTable } from '../support/http-client.js';
import { send, writeJson } from '../support/importer-requests.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';
import { fieldPart, fileHeader } from '../support/multipart-body.js';
import { chunk, multipartHead, openRaw } from '../support/raw-socket.js';

const MIB = 1024 * 1024;
const PROVIDERS = ['aws', 'azure', 'gcp'] as const;
/** What a failed upload answers: S3 keeps its own code, Azure and GCS share one. */
const UPLOAD_FAILED = {
  aws: 'importer.s3UploadFailed',
  azure: 'importer.fileUploadFailed',
  gcp: 'importer.fileUploadFailed',
};

describe.each(PROVIDERS)('file provider %s', (provider) => {
  let service: LocalService;
  const faults = createFailNext();
  beforeAll(async () => {
    service = await startLocalService(
      { LOCAL_FILE_PROVIDER: provider, MAX_FILE_BYTES: String(24 * MIB), UPLOAD_PART_BYTES: String(5 * MIB) },
      { localFaults: faults },
    );
  });
  afterAll(() => service?.close());

  const jobsFor = async (tableId: string) =>
    (await service.listJobs()).filter(
      (job) => job.operationName !== '' && JSON.stringify(job).includes(tableId),
    );
  const files = async () =>
    (await (await service.storage('files?limit=1000')).json()) as Array<{
      id: number;
      name: string;
      provider: string;
      url: string;
    }>;
  /** The file's bytes as its download link serves them, or the link's status when it has none. */
  const download = async (url: string) => {
    const response = await fetch(url);
    return response.status === 200 ? Buffer.from(await response.arrayBuffer()) : response.status;
  };
  const metric = async (pattern: RegExp) => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0);
  };
  const until = async (condition: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 400; i += 1) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('multipart write-table imports every row; files/prepare named this provider', async () => {
    const answer = await writeTable(
      service.url,
      service.token,
      multipart([['tableId', 'in.c-p.multi']], 'id,name\n1,Alice\n2,Bob\n'),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(await service.previewRows('in.c-p.multi')).toEqual([
      ['id', 'name'],
      ['1', 'Alice'],
      ['2', 'Bob'],
    ]);
    const file = (await files()).find((f) => f.id === (answer.body.file as { id: number }).id);
    expect(file?.provider).toBe(provider);
  });

  it('raw and gzip bodies land byte for byte and import', async () => {
    const csv = `id,value\n${Array.from({ length: 2000 }, (_, i) => `${i},v${i}`).join('\n')}\n`;
    const raw = await writeTable(service.url, service.token, csv, {
      method: 'PUT',
      query: { tableId: 'in.c-p.raw' },
    });
    expect(raw.status, JSON.stringify(raw.body)).toBe(200);
    expect(raw.body.totalRowsCount).toBe(2000);
    const gz = gzipSync(csv);
    const zipped = await writeTable(service.url, service.token, gz, {
      query: { tableId: 'in.c-p.gzip' },
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(zipped.status, JSON.stringify(zipped.body)).toBe(200);
    expect(zipped.body.totalRowsCount).toBe(2000);
    const stored = (await files()).find((f) => f.id === (zipped.body.file as { id: number }).id);
    expect(stored?.name).toMatch(/\.csv\.gz$/);
    expect(await download(stored?.url ?? '')).toEqual(gz);
  });

  it('a JSON body becomes rows', async () => {
    const answer = await writeJson(
      service.url,
      service.token,
      JSON.stringify([
        { id: 1, tags: ['a'] },
        { id: 2, tags: [] },
      ]),
      {
        tableId: 'in.c-p.json',
      },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(sortedRows(await service.previewRows('in.c-p.json'))).toEqual([
      ['id', 'tags'],
      ['1', '["a"]'],
      ['2', '[]'],
    ]);
  });

  it('upload-file stores the exact bytes: several parts with an odd tail, one part, and none', async () => {
    for (const size of [12 * MIB + 7, 1000, 0]) {
      const bytes = randomBytes(size);
      const answer = await send(`${service.url}/upload-file?name=exact-${size}.bin`, {
        headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'application/octet-stream' },
        body: bytes,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const stored = await download(answer.body.url as string);
      expect(Buffer.isBuffer(stored) ? sha256(stored) : stored).toBe(sha256(bytes));
    }
  });

  it('a client that disconnects mid-upload starts no job and commits nothing', async () => {
    const lastId = Math.max(0, ...(await files()).map((f) => f.id));
    const aborted = () => metric(/aborted_uploads_total\{reason="client-disconnect"\} (\d+)/);
    const abortedBefore = await aborted();
    const raw = await openRaw(service.url);
    await raw.write(multipartHead('/write-table', service.token, 'gone'));
    await raw.write(chunk(`${fieldPart('gone', 'tableId', 'in.c-p.gone') + fileHeader('gone')}id,name\n`));
    for (let i = 0; i < 12; i += 1) await raw.write(chunk(Buffer.alloc(MIB, '1,a\n')));
    // The file is prepared and its first part/block/chunk is on its way: then the client goes.
    await until(async () => (await files()).some((f) => f.id > lastId), 'files/prepare');
    raw.destroy();
    await until(async () => (await aborted()) > abortedBefore, 'the upload to be aborted');
    // A refused request discards the file it prepared (best effort, after the abort): its record
    // goes, and with it any object; while it is still listed, nothing may be downloadable.
    for (const file of (await files()).filter((f) => f.id > lastId))
      expect(await download(file.url)).toBe(404);
    await until(async () => !(await files()).some((f) => f.id > lastId), 'the prepared file to be discarded');
    expect(await jobsFor('in.c-p.gone')).toEqual([]);
    expect((await service.storage('tables/in.c-p.gone')).status).toBe(404);
    if (provider === 'gcp') expect(await readdir(join(service.dataDir, 'gcs', 'uploads'))).toEqual([]);
  });

  it('failed blocks/chunks are retried; when they keep failing: a clear 502 and nothing imported', async () => {
    // The first part (S3), block (Azure) or chunk (GCS) PUT answers 500; its retry goes through.
    const dataPut = provider === 'aws' ? 's3-part' : 's3-put';
    faults.failNext(dataPut, 1);
    try {
      const csv = `id\n${Array.from({ length: 1_500_000 }, (_, i) => i).join('\n')}\n`;
      const retried = await writeTable(service.url, service.token, csv, {
        query: { tableId: 'in.c-p.flaky' },
      });
      expect(faults.injected()).toEqual({ [`${dataPut}:500`]: 1 });
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      expect(retried.body.totalRowsCount).toBe(1_500_000);

      faults.failNext(dataPut, Number.POSITIVE_INFINITY);
      faults.failNext(provider === 'aws' ? 's3-put' : 's3-other', Number.POSITIVE_INFINITY);
      const failed = await writeTable(service.url, service.token, 'id\n1\n', {
        query: { tableId: 'in.c-p.broken' },
      });
      expect(failed.status).toBe(502);
      expect(failed.body).toMatchObject({
        status: 'error',
        code: UPLOAD_FAILED[provider],
        provider,
        upstreamStatus: 500,
      });
      expect(await jobsFor('in.c-p.broken')).toEqual([]);
    } finally {
      faults.reset();
    }
  });

  it('a body over MAX_FILE_BYTES is refused with 413 and nothing imported', async () => {
    const answer = await writeTable(
      service.url,
      service.token,
      new Blob([Buffer.alloc(25 * MIB, '1\n')]).stream() as never,
      {
        query: { tableId: 'in.c-p.big' },
      },
    ).catch(async () =>
      writeTable(service.url, service.token, Buffer.alloc(25 * MIB, '1\n'), {
        query: { tableId: 'in.c-p.big' },
      }),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('importer.fileTooLarge');
    expect(await jobsFor('in.c-p.big')).toEqual([]);
  });

  it('no SAS signature, GCS token or S3 secret ever reached the (debug) log', () => {
    const logs = service.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toMatch(
      /sig=(?!\[redacted\])|ya29\.|SharedAccessSignature|SecretAccessKey"?:"?[A-Za-z0-9]/,
    );
  });

  it('concurrent uploads all land, each in its own table', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        writeTable(
          service.url,
          service.token,
          `id,n\n${Array.from({ length: 30_000 }, (_, i) => `${i},${n}`).join('\n')}\n`,
          {
            query: { tableId: `in.c-p.concurrent${n}` },
          },
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (let n = 0; n < 6; n += 1)
      expect((await service.getTable(`in.c-p.concurrent${n}`)).rowsCount).toBe(30_000);
  });
});

/** A fault injector (our own interface) that fails the next N requests of a kind with a 500. */
function createFailNext(): FaultInjector & {
  failNext(target: FaultTarget, times: number): void;
  reset(): void;
} {
  let pending = new Map<FaultTarget, number>();
  let injected: Record<string, number> = {};
  return {
    plan: NO_FAULTS,
    configure() {},
    decide(target) {
      const left = pending.get(target) ?? 0;
      if (left <= 0) return { latencyMs: 0, failure: undefined };
      pending.set(target, left - 1);
      injected[`${target}:500`] = (injected[`${target}:500`] ?? 0) + 1;
      return { latencyMs: 0, failure: '500' };
    },
    injected: () => ({ ...injected }),
    seen: () => ({}),
    failNext(target, times) {
      pending.set(target, times);
    },
    reset() {
      pending = new Map();
      injected = {};
    },
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
