// The embedded S3 accepts only requests signed with the credentials files/prepare issued, for the
// key they were issued for; anonymous, forged or out-of-scope requests get S3's XML errors, and no
// key (however encoded) leaves the S3 directory.

import { createHash, createHmac } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { createContractClient, type Json } from '../contract/support/storage-client.js';
import { useStorageTarget } from '../contract/support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

function clientFor(
  prepared: Json,
  override: Partial<{ secretAccessKey: string; sessionToken: string }> = {},
) {
  const { credentials } = prepared.uploadParams;
  return new S3Client({
    region: prepared.region,
    endpoint: target.s3Endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: override.secretAccessKey ?? credentials.SecretAccessKey,
      sessionToken: override.sessionToken ?? credentials.SessionToken,
    },
  });
}

async function s3Error(send: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await send;
  } catch (err) {
    const failure = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('the request succeeded');
}

const toBytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The hash the signer needs, on node:crypto. */
class Sha256 {
  private hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

function rawPut(path: string, body: string): Promise<{ status: number; text: string }> {
  const endpoint = new URL(target.s3Endpoint ?? '');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'PUT',
        path,
        headers: { 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += String(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const objectUrl = (prepared: Json) =>
  `${target.s3Endpoint}/${prepared.uploadParams.bucket}/${prepared.uploadParams.key}`;

describe('the embedded S3 checks signatures', () => {
  it('refuses an anonymous overwrite, read and listing with 403 AccessDenied', async () => {
    const prepared = await api.uploadFile('victim.csv', 'id\n1\n');
    const put = await fetch(objectUrl(prepared), { method: 'PUT', body: 'id\nswapped\n' });
    expect(put.status).toBe(403);
    const text = await put.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(put.headers.get('content-type')).toBe('application/xml');
    expect((await fetch(objectUrl(prepared))).status).toBe(403);
    expect((await fetch(`${target.s3Endpoint}/${prepared.uploadParams.bucket}`)).status).toBe(403);
    expect((await fetch(`${target.s3Endpoint}/`)).status).toBe(403);
    const file = api.expectStatus(await api.get(`files/${prepared.id}`), 200);
    expect(await (await fetch(file.url)).text()).toBe('id\n1\n');
  });

  it('refuses a request signed with a wrong secret (SignatureDoesNotMatch)', async () => {
    const prepared = await api.prepareFile('wrong-secret.csv');
    const s3 = clientFor(prepared, { secretAccessKey: 'not-the-issued-secret' });
    const failure = await s3Error(
      s3.send(
        new PutObjectCommand({
          Bucket: prepared.uploadParams.bucket,
          Key: prepared.uploadParams.key,
          Body: 'x',
        }),
      ),
    );
    s3.destroy();
    expect(failure).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('refuses a forged session token (InvalidAccessKeyId)', async () => {
    const prepared = await api.prepareFile('forged.csv');
    const [payload, mac] = String(prepared.uploadParams.credentials.SessionToken).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), k: 'other/key' }),
    ).toString('base64url');
    const s3 = clientFor(prepared, { sessionToken: `${forgedPayload}.${mac}` });
    const failure = await s3Error(
      s3.send(new PutObjectCommand({ Bucket: prepared.uploadParams.bucket, Key: 'other/key', Body: 'x' })),
    );
    s3.destroy();
    expect(failure).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
  });

  it('scopes credentials to the prepared key: another file and the listing are AccessDenied', async () => {
    const victim = await api.uploadFile('scoped-victim.csv', 'id\n1\n');
    const attacker = await api.prepareFile('scoped-attacker.csv');
    const s3 = clientFor(attacker);
    const bucket = attacker.uploadParams.bucket;
    expect(
      await s3Error(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: victim.uploadParams.key, Body: 'x' })),
      ),
    ).toEqual({ name: 'AccessDenied', status: 403 });
    expect(
      await s3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: victim.uploadParams.key }))),
    ).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    expect(await s3Error(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).toEqual({
      name: 'AccessDenied',
      status: 403,
    });
    // Its own key works, reading back included.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: attacker.uploadParams.key, Body: 'own' }));
    const own = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: attacker.uploadParams.key }));
    expect(await own.Body?.transformToString()).toBe('own');
    s3.destroy();
  });

  it('accepts a presigned PUT signed with the issued credentials (UNSIGNED-PAYLOAD)', async () => {
    const prepared = await api.prepareFile('presigned.csv');
    const { credentials } = prepared.uploadParams;
    const url = new URL(objectUrl(prepared));
    const signer = new SignatureV4({
      service: 's3',
      region: prepared.region,
      sha256: Sha256,
      uriEscapePath: false,
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
      },
    });
    const presigned = await signer.presign(
      {
        method: 'PUT',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        // What @aws-sdk/s3-request-presigner does: presigned S3 URLs never sign the payload.
        headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn: 300 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const put = await fetch(`${url.origin}${url.pathname}?${query}`, {
      method: 'PUT',
      body: 'id\npresigned\n',
    });
    expect(put.status, await put.text()).toBe(200);
    const tampered = await fetch(
      `${url.origin}${url.pathname}?${query.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=600')}`,
      {
        method: 'PUT',
        body: 'id\ntampered\n',
      },
    );
    expect(tampered.status).toBe(403);
    const file = api.expectStatus(await api.get(`files/${prepared.id}`), 200);
    expect(await (await fetch(file.url)).text()).toBe('id\npresigned\n');
  });
});

describe('keys never leave the S3 directory', () => {
  const traversals = [
    '..%2F..%2F..%2Fescaped.txt',
    '%2E%2E/%2E%2E/escaped.txt',
    'a/../../../escaped.txt',
    '..%5C..%5Cescaped.txt',
    '%252E%252E%252F%252E%252E%252Fescaped.txt',
    'ok/%00/escaped.txt',
  ];

  it.each(traversals)('refuses %s with 400, signed or not, and writes nothing', async (key) => {
    const prepared = await api.prepareFile('traversal.csv');
    const bucket = prepared.uploadParams.bucket;
    // Over node:http: fetch would normalise the dot segments before sending.
    const response = await rawPut(`/${bucket}/${key}`, 'pwned');
    expect(response.status).toBe(400);
    expect(response.text).toContain('<Code>InvalidArgument</Code>');
    const dataDir = target.dataDir ?? '';
    for (const dir of [dataDir, dirname(dataDir), join(dataDir, 's3')]) {
      expect(await readdir(dir)).not.toContain('escaped.txt');
    }
    await expect(stat(join(dataDir, 's3', 'escaped.txt'))).rejects.toThrow(/ENOENT/);
  });
});

describe('malformed or stale signatures', () => {
  const put = (path: string, headers: Record<string, string>) =>
    fetch(`${target.s3Endpoint}${path}`, { method: 'PUT', headers, body: 'x' });

  it('a SigV2 Authorization header is a 400 InvalidArgument', async () => {
    const prepared = await api.prepareFile('v2.csv');
    const response = await put(`/${prepared.uploadParams.bucket}/${prepared.uploadParams.key}`, {
      Authorization: `AWS ${prepared.uploadParams.credentials.AccessKeyId}:c2lnbmF0dXJl`,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidArgument</Code>');
  });

  it('an Authorization header and a presigned query together are a 400', async () => {
    const prepared = await api.prepareFile('both.csv');
    const response = await put(
      `/${prepared.uploadParams.bucket}/${prepared.uploadParams.key}?X-Amz-Algorithm=AWS4-HMAC-SHA256`,
      { Authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/s3/aws4_request' },
    );
    expect(response.status).toBe(400);
  });

  it('a garbage Authorization header is a 400 AuthorizationHeaderMalformed', async () => {
    const prepared = await api.prepareFile('garbage.csv');
    const response = await put(`/${prepared.uploadParams.bucket}/${prepared.uploadParams.key}`, {
      Authorization: 'AWS4-HMAC-SHA256 Credential=,,,SignedHeaders=;Signature=zz',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>AuthorizationHeaderMalformed</Code>');
  });

  it('a correct signature made an hour ago is refused (RequestTimeTooSkewed)', async () => {
    const prepared = await api.prepareFile('stale.csv');
    const { credentials } = prepared.uploadParams;
    const url = new URL(objectUrl(prepared));
    const signer = new SignatureV4({
      service: 's3',
      region: prepared.region,
      sha256: Sha256,
      uriEscapePath: false,
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
      },
    });
    const signed = await signer.sign(
      {
        method: 'PUT',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { signingDate: new Date(Date.now() - 3600_000) },
    );
    const response = await fetch(url, {
      method: 'PUT',
      headers: signed.headers as Record<string, string>,
      body: 'x',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>RequestTimeTooSkewed</Code>');
  });
});
