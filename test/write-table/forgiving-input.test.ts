// Forgiving input (issue 15): a delimiter detected from the first rows, a JSON body recognised
// without a JSON Content-Type, `format=` and `encoding=`, invalid UTF-8 refused with its offset,
// and warnings for what the importer guessed or ignored. Checked where it lands: rows and bytes.
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, writeTable } from '../support/http-client.js';
import { send } from '../support/importer-requests.js';
import { type LocalService, sortedRows, startLocalService } from '../support/local-service.js';

describe('forgiving input', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  const put = (body: Buffer | string, query: Record<string, string>, headers: Record<string, string> = {}) =>
    send(`${service.url}/write-table?${new URLSearchParams(query)}`, {
      method: 'PUT',
      headers: { 'X-StorageApi-Token': service.token, ...headers },
      body: typeof body === 'string' ? Buffer.from(body) : body,
    });
  const storedBytes = async (fileId: number) => {
    const file = (await (await service.storage(`files/${fileId}`)).json()) as { url: string };
    return Buffer.from(await (await fetch(file.url)).arrayBuffer());
  };

  it('detects a TAB-separated file, says so, and stores the bytes as sent', async () => {
    const tsv = 'id\tname\n1\tAlice\n2\tBob\n';
    const answer = await writeTable(service.url, service.token, tsv, {
      query: { tableId: 'in.c-detect.tsv' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.delimiter).toBe('\t');
    expect(answer.body.warnings).toEqual([
      { code: 'importer.delimiterDetected', message: expect.stringContaining('TAB') },
    ]);
    expect(answer.body.importedColumns).toEqual(['id', 'name']);
    expect(sortedRows(await service.previewRows('in.c-detect.tsv'))).toEqual([
      ['id', 'name'],
      ['1', 'Alice'],
      ['2', 'Bob'],
    ]);
    const fileId = (answer.body.file as { id: number }).id;
    expect((await storedBytes(fileId)).toString()).toBe(tsv);
  });

  it("detects an Excel ';' export inside gzip; an explicit delimiter always wins", async () => {
    const csv = 'id;name\r\n1;"Smith, John"\r\n2;Ann\r\n';
    const gz = gzipSync(csv);
    const answer = await writeTable(service.url, service.token, gz, {
      query: { tableId: 'in.c-detect.semi' },
      headers: { 'Content-Type': 'application/gzip' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ delimiter: ';', importedColumns: ['id', 'name'] });
    expect((answer.body.warnings as Array<{ code: string }>)[0]?.code).toBe('importer.delimiterDetected');
    expect(await storedBytes((answer.body.file as { id: number }).id)).toEqual(gz);

    const explicit = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-detect.explicit'],
          ['delimiter', ','],
        ],
        'id;name\n1;Ann\n',
      ),
    );
    expect(explicit.status, JSON.stringify(explicit.body)).toBe(200);
    expect(explicit.body).toMatchObject({ delimiter: ',', warnings: [], importedColumns: ['id_name'] });
  });

  it('keeps comma when the first rows are not clear', async () => {
    const answer = await writeTable(service.url, service.token, 'a,b;c\n1,2;3\n', {
      query: { tableId: 'in.c-detect.unclear' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ delimiter: ',', warnings: [], importedColumns: ['a', 'b_c'] });
  });

  it('reads JSON sent without a JSON Content-Type (curl -T, SNS text/plain), with a warning', async () => {
    const untyped = await put('[{"a":1},{"a":2}]', { tableId: 'in.c-detect.json' });
    expect(untyped.status, JSON.stringify(untyped.body)).toBe(200);
    expect(untyped.body).toMatchObject({ importedColumns: ['a'], totalRowsCount: 2 });
    expect(untyped.body.warnings).toEqual([{ code: 'importer.formatDetected', message: expect.any(String) }]);

    const sns = await put(
      '  {"Type":"Notification","MessageId":"m1"}\n',
      { tableId: 'in.c-detect.sns' },
      { 'Content-Type': 'text/plain; charset=UTF-8' },
    );
    expect(sns.status, JSON.stringify(sns.body)).toBe(200);
    expect(sns.body).toMatchObject({ importedColumns: ['Type', 'MessageId'], totalRowsCount: 1 });
    expect(sortedRows(await service.previewRows('in.c-detect.sns'))).toEqual([
      ['Type', 'MessageId'],
      ['Notification', 'm1'],
    ]);
  });

  it('format= forces the body format', async () => {
    const csv = await put('[x]\n1\n', { tableId: 'in.c-detect.forcedcsv', format: 'csv' });
    expect(csv.status, JSON.stringify(csv.body)).toBe(200);
    expect(csv.body).toMatchObject({ importedColumns: ['x'], warnings: [] });
    const json = await put(gzipSync('{"k":"v"}\n'), { tableId: 'in.c-detect.forcedjson', format: 'ndjson' });
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    expect(json.body).toMatchObject({ importedColumns: ['k'], warnings: [] });
    const bad = await put('a\n1\n', { tableId: 'in.c-detect.x', format: 'xml' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('importer.invalidFormat');
  });

  it('every 415 lists the JSON types too', async () => {
    const answer = await writeTable(service.url, service.token, 'a\n1\n', {
      query: { tableId: 'in.c-detect.x' },
      headers: { 'Content-Type': 'application/xml' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error).toContain('application/json');
    expect(answer.body.error).toContain('application/x-ndjson');
    expect(answer.body.error).toContain('text/plain');
  });

  it('transcodes encoding=windows-1250 and utf-16le to UTF-8 (the stored file is UTF-8)', async () => {
    const text = 'id,name\n1,Žluťoučký kůň\n2,Łódź\n';
    const cp1250 = iconv.encode(text, 'windows-1250');
    const answer = await writeTable(
      service.url,
      service.token,
      multipart(
        [
          ['tableId', 'in.c-enc.cp1250'],
          ['encoding', 'windows-1250'],
        ],
        cp1250,
      ),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(sortedRows(await service.previewRows('in.c-enc.cp1250'))).toEqual([
      ['id', 'name'],
      ['1', 'Žluťoučký kůň'],
      ['2', 'Łódź'],
    ]);
    expect((await storedBytes((answer.body.file as { id: number }).id)).toString('utf8')).toBe(text);

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('id;name\n1;Ödön\n', 'utf-16le')]);
    const wide = await put(gzipSync(utf16), { tableId: 'in.c-enc.utf16', encoding: 'utf-16le' });
    expect(wide.status, JSON.stringify(wide.body)).toBe(200);
    expect(wide.body).toMatchObject({ delimiter: ';', file: { compressed: true } });
    expect(await service.previewRows('in.c-enc.utf16')).toEqual([
      ['id', 'name'],
      ['1', 'Ödön'],
    ]);

    const unknown = await put('a\n', { tableId: 'in.c-enc.x', encoding: 'klingon' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'importer.invalidEncoding', field: 'encoding' });
  });

  it('refuses invalid UTF-8 without encoding=: 400 with the byte offset and a hint, no job', async () => {
    const jobsBefore = (await service.listJobs()).length;
    const body = Buffer.concat([
      Buffer.from('id,name\n1,'),
      iconv.encode('Žluť', 'windows-1250'),
      Buffer.from('\n'),
    ]);
    const answer = await put(body, { tableId: 'in.c-enc.bad' }, { 'Content-Type': 'text/csv' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ code: 'importer.invalidUtf8', offset: 10 });
    expect(answer.body.error).toContain('offset 10');
    expect(answer.body.error).toContain('encoding=');
    expect((await service.listJobs()).length).toBe(jobsBefore);

    // A character split across chunks is fine; a bad byte far into the file is found there.
    const big = Buffer.from(`id,name\n${'1,Žluťoučký\n'.repeat(20_000)}`);
    const late = Buffer.concat([big, Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const far = await put(late, { tableId: 'in.c-enc.late' }, { 'Content-Type': 'text/csv' });
    expect(far.body).toMatchObject({ code: 'importer.invalidUtf8', offset: big.length });
    const fine = await put(big, { tableId: 'in.c-enc.late' }, { 'Content-Type': 'text/csv' });
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
  });

  it('warns when primaryKey is ignored for an existing table without one', async () => {
    const tableId = 'in.c-warn.nopk';
    expect((await writeTable(service.url, service.token, 'id,v\n1,a\n', { query: { tableId } })).status).toBe(
      200,
    );
    const again = await writeTable(service.url, service.token, 'id,v\n1,b\n', {
      query: { tableId, primaryKey: 'id', incremental: '1' },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.warnings).toEqual([
      { code: 'importer.primaryKeyIgnored', message: expect.stringContaining('without a primary key') },
    ]);
  });

  it('states facts: a failed create created nothing; a JSON create reads the same in GET /jobs', async () => {
    const failed = await writeTable(service.url, service.token, 'id,id\n1,2\n', {
      query: { tableId: 'in.c-facts.dup', delimiter: ',' },
    });
    expect(failed.status, JSON.stringify(failed.body)).toBe(400);
    expect(failed.body).toMatchObject({
      tableId: 'in.c-facts.dup',
      tableCreated: false,
      job: { operationName: 'tableCreate', status: 'error' },
    });
    const getJob = (id: number) =>
      send(`${service.url}/jobs/${id}`, { method: 'GET', headers: { 'X-StorageApi-Token': service.token } });
    const failedJob = await getJob((failed.body.job as { id: number }).id);
    expect(failedJob.body).toMatchObject({ tableCreated: false, incremental: false });

    const created = await put(
      '[{"a":1}]',
      { tableId: 'in.c-facts.json' },
      { 'Content-Type': 'application/json' },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const job = await getJob((created.body.job as { id: number }).id);
    for (const key of ['tableId', 'tableCreated', 'incremental'] as const) {
      expect(job.body[key], key).toEqual(created.body[key]);
    }
    expect(created.body).toMatchObject({ tableCreated: true, incremental: false });
    const appended = await put(
      '[{"a":2}]',
      { tableId: 'in.c-facts.json' },
      { 'Content-Type': 'application/json' },
    );
    const appendJob = await getJob((appended.body.job as { id: number }).id);
    expect(appended.body).toMatchObject({ tableCreated: false, incremental: true });
    expect(appendJob.body).toMatchObject({
      tableId: 'in.c-facts.json',
      tableCreated: false,
      incremental: true,
    });
  });
});
