// Contract: Storage files (contract §3, §4) — prepare (JSON, urlencoded, multipart), the upload
// through `uploadParams` exactly like a real client, file detail with a working `url`, listing.
import { describe, expect, it } from 'vitest';
import {
  createContractClient,
  expectStorageError,
  STORAGE_TIME,
  uniqueName,
} from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

const FILE_FIELDS = [
  'id',
  'created',
  'isPublic',
  'isSliced',
  'isEncrypted',
  'name',
  'url',
  'provider',
  'region',
  'sizeBytes',
  'tags',
  'maxAgeDays',
  'runId',
  'runIds',
  'creatorToken',
];

describe('POST files/prepare', () => {
  it('answers 201 with the file and federated S3 upload parameters (JSON body)', async () => {
    const verify = api.expectStatus(await api.get('tokens/verify'), 200);
    const response = await api.post('files/prepare', {
      json: { name: 'prepared.csv', sizeBytes: 12, federationToken: true, tags: ['a', 'b', 'a'] },
      headers: { 'X-KBC-RunId': 'contract-run-files' },
    });
    expect(response.status).toBe(201);
    if (isLocalTarget) expect(response.headers.get('content-type')).toBe('application/json');
    const file = response.body;
    for (const field of FILE_FIELDS) expect(file, field).toHaveProperty(field);
    expect(file).toMatchObject({
      name: 'prepared.csv',
      provider: 'aws',
      isSliced: false,
      isEncrypted: true,
      isPublic: false,
      sizeBytes: 12,
      tags: ['a', 'b'],
      maxAgeDays: 15,
      runId: 'contract-run-files',
      creatorToken: { id: Number(verify.id) },
    });
    expect(Number.isInteger(file.id)).toBe(true);
    expect(file.created).toMatch(STORAGE_TIME);
    expect(typeof file.region).toBe('string');
    expect(file.uploadParams).toMatchObject({
      bucket: expect.any(String),
      key: expect.any(String),
      acl: 'private',
      'x-amz-server-side-encryption': 'AES256',
      credentials: {
        AccessKeyId: expect.any(String),
        SecretAccessKey: expect.any(String),
        SessionToken: expect.any(String),
        Expiration: expect.stringMatching(STORAGE_TIME),
      },
    });
  });

  it('omits the SSE header when isEncrypted=false and maxAgeDays when isPermanent (urlencoded body)', async () => {
    const response = await api.post('files/prepare', {
      form: [
        ['name', 'plain.csv'],
        ['federationToken', '1'],
        ['isEncrypted', '0'],
        ['isPermanent', '1'],
        ['tags[]', 'x'],
        ['tags[]', 'y'],
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ isEncrypted: false, maxAgeDays: null, tags: ['x', 'y'] });
    expect(response.body.uploadParams).not.toHaveProperty('x-amz-server-side-encryption');
  });

  it('accepts a multipart body', async () => {
    const response = await api.post('files/prepare', {
      multipart: [
        ['name', 'multipart.csv'],
        ['federationToken', 'true'],
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body.name).toBe('multipart.csv');
    expect(response.body.uploadParams.key).toEqual(expect.any(String));
  });

  it.runIf(isLocalTarget)('validates name and federationToken', async () => {
    expectStorageError(
      await api.post('files/prepare', { json: { federationToken: true } }),
      400,
      'storage.files.validation',
      'Invalid request:\n - name: "This value should not be blank."',
    );
    expectStorageError(
      await api.post('files/prepare', { json: { name: 'a.csv' } }),
      400,
      'storage.files.validation',
    );
    expectStorageError(
      await api.post('files/prepare', { json: { name: 'a.csv', federationToken: 'perhaps' } }),
      400,
      'storage.files.validation',
    );
  });

  it.runIf(isLocalTarget)('keeps the given name and never lets it escape the object key', async () => {
    const file = await api.prepareFile('../../etc/passwd name.csv');
    expect(file.name).toBe('../../etc/passwd name.csv');
    expect(file.uploadParams.key).toMatch(
      /^exp-15\/1\/files\/\d{4}\/\d{2}\/\d{2}\/\d+\.__\.\._etc_passwd_name\.csv$/,
    );
  });
});

describe('GET files/{id}', () => {
  it('returns the file without upload parameters and with a url that downloads the object', async () => {
    const content = 'id,name\n1,Ann\n';
    const prepared = await api.uploadFile('download.csv', content);
    const response = await api.get(`files/${prepared.id}`);
    expect(response.status).toBe(200);
    const file = response.body;
    for (const field of FILE_FIELDS) expect(file, field).toHaveProperty(field);
    expect(file).not.toHaveProperty('uploadParams');
    expect(file).not.toHaveProperty('credentials');
    expect(file).toMatchObject({ id: prepared.id, name: 'download.csv', tags: ['contract-test'] });

    const download = await fetch(file.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(content);
  });

  it('adds S3 download credentials with federationToken=1', async () => {
    const prepared = await api.uploadFile('federated.csv', 'id\n1\n');
    const response = await api.get(`files/${prepared.id}?federationToken=1`);
    expect(response.status).toBe(200);
    expect(response.body.s3Path).toEqual({
      bucket: prepared.uploadParams.bucket,
      key: prepared.uploadParams.key,
    });
    expect(Object.keys(response.body.credentials).sort()).toEqual([
      'AccessKeyId',
      'Expiration',
      'SecretAccessKey',
      'SessionToken',
    ]);
  });

  it('answers 404 storage.files.notFound "File not found" for an unknown id', async () => {
    expectStorageError(await api.get('files/987654321'), 404, 'storage.files.notFound', 'File not found');
  });

  it.runIf(isLocalTarget)('refuses a tampered download link and reports a missing upload', async () => {
    const uploaded = await api.uploadFile('tamper.csv', 'x\n');
    const tampered = await fetch(uploaded.url.replace(/signature=[0-9a-f]/, 'signature=z'));
    expect(tampered.status).toBe(403);
    const prepared = await api.prepareFile('not-there.csv');
    const missing = await fetch(prepared.url);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('storage.fileNotUploaded');
  });
});

describe('GET files', () => {
  it('lists files having the given tags, newest first', async () => {
    const tag = uniqueName('tag');
    const first = await api.prepareFile('first.csv', { tags: [tag] });
    const second = await api.prepareFile('second.csv', { tags: [tag, 'other'] });
    await api.prepareFile('untagged.csv');
    // The real listing is eventually consistent (about 1 s, contract §4); the stand-in is immediate.
    let response = await api.get(`files?tags[]=${encodeURIComponent(tag)}`);
    for (let attempt = 0; !target.isLocal && response.body.length < 2 && attempt < 10; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      response = await api.get(`files?tags[]=${encodeURIComponent(tag)}`);
    }
    expect(response.status).toBe(200);
    expect(response.body.map((file: { id: number }) => file.id)).toEqual([second.id, first.id]);
    expect(response.body[0]).not.toHaveProperty('uploadParams');

    const limited = await api.get(`files?tags[]=${encodeURIComponent(tag)}&limit=1`);
    expect(limited.body.map((file: { id: number }) => file.id)).toEqual([second.id]);
  });
});
