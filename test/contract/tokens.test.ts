// Contract: tokens and authentication (contract §1.3, §1.4, §2.1) — verify, 401s, 403 accessDenied.
import { describe, expect, it } from 'vitest';
import { createContractClient, expectStorageError } from './support/storage-client.js';
import { isLocalTarget, useStorageTarget } from './support/storage-target.js';

const PERMISSION_BUCKET = 'in.c-permissions';
const READER = 'contract-reader-token';
const WRITER = 'contract-writer-token';
const STRANGER = 'contract-stranger-token';

const target = useStorageTarget({
  extraTokens: [
    { token: READER, description: 'reader', bucketPermissions: { [PERMISSION_BUCKET]: 'read' } },
    { token: WRITER, description: 'writer', bucketPermissions: { [PERMISSION_BUCKET]: 'write' } },
    { token: STRANGER, description: 'stranger', bucketPermissions: {} },
  ],
});
const api = createContractClient(target);

describe('GET tokens/verify', () => {
  it('describes the calling token, its project and its creator with the clients’ types', async () => {
    const response = await api.get('tokens/verify');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const token = response.body;
    expect(token.id).toMatch(/^\d+$/);
    expect(token.token).toBe(target.token);
    expect(token.isMasterToken).toBe(true);
    expect(token.canManageBuckets).toBe(true);
    expect(token.uri).toBe(`${target.apiUrl}/tokens/${token.id}`);
    expect(typeof token.owner.id).toBe('number');
    expect(typeof token.owner.name).toBe('string');
    expect(token.owner.fileStorageProvider).toBe('aws');
    expect(typeof token.organization.id).toBe('string');
    if (isLocalTarget || token.creatorToken) expect(typeof token.creatorToken.id).toBe('number');
    expect(token.bucketPermissions === null || typeof token.bucketPermissions === 'object').toBe(true);
  });

  it.runIf(isLocalTarget)('reports per-bucket permissions of a limited token', async () => {
    const response = await api.get('tokens/verify', { token: READER });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      token: READER,
      description: 'reader',
      isMasterToken: false,
      canManageBuckets: false,
      bucketPermissions: { [PERMISSION_BUCKET]: 'read' },
    });
    const stranger = await api.get('tokens/verify', { token: STRANGER });
    expect(stranger.body.bucketPermissions).toEqual([]);
  });
});

describe('authentication failures', () => {
  it('answers 401 "Access token must be set" without a code when the header is missing', async () => {
    const response = await api.get('tokens/verify', { token: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.error).toBe('Access token must be set');
    expect(response.body.code ?? '').toBe('');
    if (isLocalTarget) {
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.body).not.toHaveProperty('code');
    }
  });

  it('treats an empty token header like a missing one', async () => {
    const response = await api.get('buckets', { token: '' });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('Access token must be set');
  });

  it('answers 401 storage.tokenInvalid for an unknown token and never echoes it', async () => {
    const secret = 'contract-unknown-token-4f1c2d9e';
    const response = await api.get('tokens/verify', { token: secret });
    expectStorageError(response, 401, 'storage.tokenInvalid', 'Invalid access token');
    expect(response.text).not.toContain(secret);
  });

  it.runIf(isLocalTarget)('renders errors as {error, code, exceptionId, status:"error"}', async () => {
    const response = await api.get('tokens/verify', { token: 'nope' });
    expect(Object.keys(response.body).sort()).toEqual(['code', 'error', 'exceptionId', 'status']);
    expect(response.body.status).toBe('error');
    expect(response.body.exceptionId).toMatch(/^exception-[0-9a-f]{32}$/);
  });
});

describe.runIf(isLocalTarget)('403 accessDenied for tokens without bucket permissions', () => {
  const denied = (response: Awaited<ReturnType<typeof api.get>>) =>
    expectStorageError(response, 403, 'accessDenied', "You don't have access to the resource.");

  it('lets only master tokens create buckets', async () => {
    denied(await api.post('buckets', { json: { name: 'by-writer' }, token: WRITER }));
  });

  it('guards reads, table creation and imports by the bucket permission', async () => {
    expect((await api.post('buckets', { json: { name: 'permissions' } })).status).toBe(201);
    const table = await api.createTable(PERMISSION_BUCKET, 'people', 'id,name\n1,Ann\n');

    denied(await api.get(`buckets/${PERMISSION_BUCKET}`, { token: STRANGER }));
    denied(await api.get(`tables/${table.id}`, { token: STRANGER }));
    denied(await api.get(`tables/${table.id}/data-preview`, { token: STRANGER }));
    expect((await api.get('buckets', { token: STRANGER })).body).toEqual([]);

    expect((await api.get(`tables/${table.id}`, { token: READER })).status).toBe(200);
    expect((await api.get('buckets', { token: READER })).body.map((b: { id: string }) => b.id)).toEqual([
      PERMISSION_BUCKET,
    ]);

    const file = await api.uploadFile('people.csv', 'id,name\n2,Bob\n');
    denied(
      await api.post(`tables/${table.id}/import-async`, { json: { dataFileId: file.id }, token: READER }),
    );
    denied(
      await api.post(`buckets/${PERMISSION_BUCKET}/tables-async`, {
        json: { name: 'other', dataFileId: file.id },
        token: READER,
      }),
    );

    const accepted = await api.post(`tables/${table.id}/import-async`, {
      json: { dataFileId: file.id, incremental: true },
      token: WRITER,
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.creatorToken.description).toBe('writer');
    expect((await api.waitForJob(accepted.body)).status).toBe('success');
    expect((await api.readRows(table.id)).rows).toEqual([
      ['1', 'Ann'],
      ['2', 'Bob'],
    ]);
  });
});
