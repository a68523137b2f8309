// Hostile requests against the local Storage stand-in itself (not through the importer): each gets
// a Storage-style 4xx with a stable code, never a 5xx, and the stand-in keeps serving afterwards.
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createContractClient, type Json } from '../contract/support/storage-client.js';
import { useStorageTarget } from '../contract/support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

/**
 * A raw request with a chunked (no Content-Length) body streamed in `chunks`, on `agent` (keep-alive:
 * the next request may reuse the connection, as Node's default agent does).
 */
function chunkedPost(
  path: string,
  contentType: string,
  chunks: Iterable<Buffer>,
  agent: Agent,
): Promise<{ status: number; connection: string | undefined; body: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${target.apiUrl}/${path}`);
    let answered = false;
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'X-StorageApi-Token': target.token,
          'Content-Type': contentType,
          'Transfer-Encoding': 'chunked',
        },
      },
      (res) => {
        answered = true;
        let text = '';
        res.on('data', (chunk) => {
          text += String(chunk);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', (err) => {
      // The stand-in closes the connection once it has answered an oversized body: writing the rest
      // of it may then fail. Before an answer, a failure is the request's failure, not a wait forever.
      const code = (err as NodeJS.ErrnoException).code;
      if (!(answered && (code === 'EPIPE' || code === 'ECONNRESET'))) reject(err);
    });
    const write = async () => {
      for (const chunk of chunks) {
        if (req.destroyed) return;
        if (!req.write(chunk)) {
          await new Promise<void>((resume) => {
            const done = () => {
              req.off('drain', done);
              req.off('close', done);
              resume();
            };
            req.on('drain', done);
            req.on('close', done);
          });
        }
      }
      if (!req.destroyed) req.end();
    };
    write().catch(reject);
  });
}

async function expectServing(): Promise<void> {
  expect((await api.get('tokens/verify')).status).toBe(200);
}

describe('prototype property names as ids', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__'];

  it.each(names)('bucket %s is a 404, never a phantom', async (name) => {
    const response = await api.get(`buckets/${name}`);
    expect(response.status, response.text).toBe(404);
    expect(response.body.code).toBe('storage.buckets.notFound');
  });

  it.each(names)('table %s (and in.c-x.%s) is a 404', async (name) => {
    for (const tableId of [name, `in.c-missing.${name}`, `${name}.${name}`]) {
      const response = await api.get(`tables/${tableId}`);
      expect(response.status, response.text).toBeGreaterThanOrEqual(400);
      expect(response.status, response.text).toBeLessThan(500);
    }
  });

  it.each(names)('a table create in bucket %s is a 404', async (name) => {
    const response = await api.post(`buckets/${name}/tables-async`, { json: { name: 't', dataFileId: 1 } });
    expect(response.status, response.text).toBe(404);
    expect(response.body.code).toBe('storage.buckets.notFound');
  });

  it('a bucket listing stays clean after the probes', async () => {
    const response = await api.get('buckets');
    expect(response.status).toBe(200);
    expect(response.body.map((bucket: Json) => bucket.id)).not.toContain('__proto__');
    await expectServing();
  });
});

describe('request parameters are bounded', () => {
  it('deeply nested bracket parameters are a 400, not a stack overflow', async () => {
    const key = `name${'[x]'.repeat(100_000)}`;
    const response = await api.post('buckets', { form: [[key, 'v']] });
    expect(response.status, response.text.slice(0, 300)).toBe(400);
    expect(response.body.code).toBe('validation.failed');
    expect(response.text.length).toBeLessThan(2000);
    await expectServing();
  });

  it('nesting in the query string is bounded the same way', async () => {
    const response = await api.get(`files?tags${'[a]'.repeat(2000)}=x`);
    expect(response.status, response.text.slice(0, 300)).toBe(400);
    expect(response.body.code).toBe('validation.failed');
  });

  it('a hundred thousand parameters are a 400', async () => {
    const form: [string, string][] = [];
    for (let index = 0; index < 100_000; index++) form.push([`p${index}`, '1']);
    const response = await api.post('buckets', { form });
    expect(response.status, response.text.slice(0, 300)).toBe(400);
    expect(response.body.code).toBe('validation.failed');
  });

  it('an array index of a billion allocates nothing', async () => {
    const response = await api.post('buckets', {
      form: [
        ['name', 'huge-index'],
        ['stage', 'in'],
        ['tags[999999999]', 'x'],
      ],
    });
    expect(response.status, response.text.slice(0, 300)).toBe(201);
  });
});

describe('the 1 MiB body cap holds on the stream', () => {
  // One keep-alive connection at a time: whatever the stand-in leaves open, the next request reuses.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  afterAll(() => agent.destroy());
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const chunks = function* (count: number) {
    yield Buffer.from('name=');
    for (let index = 0; index < count; index++) yield chunk;
  };
  const json = function* () {
    yield Buffer.from('{"name":"');
    for (let index = 0; index < 64; index++) yield chunk;
    yield Buffer.from('"}');
  };
  const smallBody = (name: string) => [Buffer.from(`name=${name}&`), Buffer.from('stage=in')];

  it('a chunked urlencoded body over 1 MiB is a 413', async () => {
    const response = await chunkedPost('buckets', 'application/x-www-form-urlencoded', chunks(64), agent);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('storage.requestTooLarge');
    await expectServing();
  });

  it('a chunked JSON body over 1 MiB is a 413', async () => {
    const response = await chunkedPost('buckets', 'application/json', json(), agent);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('storage.requestTooLarge');
  });

  it('a chunked multipart body over 1 MiB is a 413', async () => {
    const multipart = function* () {
      yield Buffer.from('--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n');
      for (let index = 0; index < 64; index++) yield chunk;
      yield Buffer.from('\r\n--B--\r\n');
    };
    const response = await chunkedPost('buckets', 'multipart/form-data; boundary=B', multipart(), agent);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('storage.requestTooLarge');
  });

  it('a small chunked body still works', async () => {
    const response = await chunkedPost(
      'buckets',
      'application/x-www-form-urlencoded',
      smallBody('chunked-small'),
      agent,
    );
    expect(response.status).toBe(201);
    expect(response.body.id).toBe('in.c-chunked-small');
  });

  it('a refused body closes its connection: the next request on the agent is answered', async () => {
    // The rest of the refused body is never read, so the connection cannot carry another request.
    const refused = await chunkedPost('buckets', 'application/json', json(), agent);
    expect(refused.status).toBe(413);
    expect(refused.connection).toBe('close');
    const next = await chunkedPost(
      'buckets',
      'application/x-www-form-urlencoded',
      smallBody('after-413'),
      agent,
    );
    expect(next.status).toBe(201);
    expect(next.body.id).toBe('in.c-after-413');
  });

  it('an error on a request without a body keeps its connection alive', async () => {
    const answer = await new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
      const url = new URL(`${target.apiUrl}/buckets/in.c-missing`);
      const req = httpRequest(url, { agent, headers: { 'X-StorageApi-Token': target.token } }, (res) => {
        res.resume().on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
      });
      req.on('error', reject).end();
    });
    expect(answer).toEqual({ status: 404, connection: 'keep-alive' });
  });
});

describe('column limits and message caps', () => {
  it('a 100k-column header fails the job with tooManyColumns, not applicationError', async () => {
    const bucket = await api.createBucket('wide');
    const header = Array.from({ length: 100_000 }, (_, index) => `c${index}`).join(',');
    const job = await api.waitForJob(await api.startTableCreate(bucket.id, 'wide', `${header}\n`));
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('storage.tables.validation.tooManyColumns');
    expect(job.error.message).toContain('1000');
    expect(job.error.message.length).toBeLessThan(1000);
  });

  it('1000 columns are fine; an import adding the 1001st fails with tooManyColumns', async () => {
    const bucket = await api.createBucket('wide');
    const names = Array.from({ length: 1000 }, (_, index) => `c${index}`);
    await api.createTable(bucket.id, 'edge', `${names.join(',')}\n`);
    const job = await api.importCsv(`${bucket.id}.edge`, `${[...names, 'extra'].join(',')}\n`, {
      incremental: true,
    });
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('storage.tables.validation.tooManyColumns');
    const table = api.expectStatus(await api.get(`tables/${bucket.id}.edge`), 200);
    expect(table.columns).toHaveLength(1000);
  });

  it('a 20 MiB column name is neither echoed nor persisted in full', async () => {
    const bucket = await api.createBucket('long');
    const name = 'x'.repeat(20 * 1024 * 1024);
    const job = await api.waitForJob(await api.startTableCreate(bucket.id, 'long', `id,${name}\n1,2\n`));
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('storage.tables.validation.invalidColumnName');
    expect(job.error.message.length).toBeLessThan(1000);
    const jobs = await api.get('jobs');
    expect(jobs.text.length).toBeLessThan(1024 * 1024);
    const { stat } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await target.restart();
    expect((await stat(join(target.dataDir ?? '', 'metadata.json'))).size).toBeLessThan(1024 * 1024);
  });

  it('an over-long message of any kind is capped where StorageError is made', async () => {
    const response = await api.get(`tables/in.c-${'y'.repeat(10_000)}.t`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.error.length).toBeLessThan(2100);
  });
});

describe('more hostile inputs', () => {
  const expect4xx = (response: { status: number; text: string }, status: number, code?: string) => {
    expect(response.status, response.text.slice(0, 300)).toBe(status);
    if (code) expect(JSON.parse(response.text).code).toBe(code);
  };

  it('a JSON body of 1 MiB nested arrays is a 400', async () => {
    const body = `{"name":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
    const nested = await fetch(`${target.apiUrl}/buckets`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': target.token, 'Content-Type': 'application/json' },
      body,
    });
    expect4xx({ status: nested.status, text: await nested.text() }, 400);
    await expectServing();
  });

  it('job and file ids beyond any integer, negative or in other notations are 404s', async () => {
    for (const path of [
      'jobs/99999999999999999999999',
      'jobs/-1',
      'jobs/1e3',
      'jobs/0x10',
      'files/1e3',
      'files/-5',
    ]) {
      const response = await api.get(path);
      expect(response.status, `${path}: ${response.text}`).toBe(404);
    }
  });

  it('data-preview with limit 1e309, -1 or an array is a 400', async () => {
    const bucket = await api.createBucket('preview');
    await api.createTable(bucket.id, 't', 'id\n1\n');
    for (const query of ['limit=1e309', 'limit=-1', 'limit[]=5', 'limit=99999999999999999999']) {
      const response = await api.get(`tables/${bucket.id}.t/data-preview?${query}`);
      expect4xx(response, 400, 'storage.tables.validation');
    }
  });

  it('table ids with SQL quoting characters are 4xx, never reach DuckDB', async () => {
    for (const tableId of ['in.c-x.a"b', "in.c-x.a'b", 'in.c-x.t;DROP TABLE x', 'in.c-x.%00']) {
      const response = await api.get(`tables/${encodeURIComponent(tableId)}/data-preview`);
      expect(response.status, `${tableId}: ${response.text}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    await expectServing();
  });

  it('a 5000-character file name gets a bounded object key, and the upload works', async () => {
    const name = `${'n'.repeat(5000)}.csv`;
    const prepared = await api.uploadFile(name, 'id\n1\n');
    expect(prepared.uploadParams.key.length).toBeLessThan(400);
    const file = api.expectStatus(await api.get(`files/${prepared.id}`), 200);
    expect(await (await fetch(file.url)).text()).toBe('id\n1\n');
  });

  it('2000 names in `columns` fail the job with tooManyColumns', async () => {
    const bucket = await api.createBucket('columns');
    const columns = Array.from({ length: 2000 }, (_, index) => `c${index}`);
    const file = await api.uploadFile('cols.csv', `${columns.map(() => '1').join(',')}\n`);
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name: 't', dataFileId: file.id, columns, withoutHeaders: true },
    });
    const job = await api.waitForJob(api.expectStatus(response, 202));
    expect(job.status).toBe('error');
    expect(job.error.code).toBe('storage.tables.validation.tooManyColumns');
  });

  it('a dialect given as an array or object is a 400', async () => {
    const bucket = await api.createBucket('dialect');
    const file = await api.uploadFile('d.csv', 'id\n1\n');
    for (const json of [
      { name: 't', dataFileId: file.id, delimiter: [','] },
      { name: 't', dataFileId: file.id, enclosure: { a: '"' } },
      { name: 't', dataFileId: file.id, primaryKey: { a: 'id' } },
      { name: 't', dataFileId: [file.id] },
    ]) {
      const response = await api.post(`buckets/${bucket.id}/tables-async`, { json });
      expect(response.status, response.text).toBe(400);
    }
  });

  it('a __proto__ key in a JSON body is plain data, not a prototype', async () => {
    const response = await fetch(`${target.apiUrl}/buckets`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': target.token, 'Content-Type': 'application/json' },
      body: '{"__proto__":{"stage":"out","name":"polluted"},"name":"proto-body","stage":"in"}',
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as Json).id).toBe('in.c-proto-body');
    const urlencoded = await api.post('buckets', {
      form: [
        ['__proto__[stage]', 'out'],
        ['constructor[prototype][x]', '1'],
        ['name', 'proto-form'],
        ['stage', 'in'],
      ],
    });
    expect(urlencoded.status, urlencoded.text).toBe(201);
    expect(urlencoded.body.id).toBe('in.c-proto-form');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('a malformed multipart body is a 400', async () => {
    const response = await fetch(`${target.apiUrl}/buckets`, {
      method: 'POST',
      headers: { 'X-StorageApi-Token': target.token, 'Content-Type': 'multipart/form-data; boundary=B' },
      body: '--B\r\nContent-Disposition: form-data; name="name"\r\n\r\nunterminated',
    });
    expect4xx({ status: response.status, text: await response.text() }, 400, 'validation.failed');
  });
});

describe('stored request parameters are bounded', () => {
  it('a 500 KB name in `columns` is a 400 before any job stores it', async () => {
    const bucket = await api.createBucket('raw-columns');
    const file = await api.uploadFile('r.csv', '1\n');
    const jobsBefore = api.expectStatus(await api.get('jobs?limit=1000'), 200).length;
    const response = await api.post(`buckets/${bucket.id}/tables-async`, {
      json: { name: 't', dataFileId: file.id, columns: ['x'.repeat(500_000)], withoutHeaders: true },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('storage.tables.validation.invalidColumnName');
    expect(response.text.length).toBeLessThan(1000);
    expect(api.expectStatus(await api.get('jobs?limit=1000'), 200).length).toBe(jobsBefore);
  });
});
