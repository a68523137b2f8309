// Picking the store by files/prepare's provider: an unknown one is a 502 before any byte is sent,
// and a store that kept fewer bytes than it was given fails the upload (bytes are exact).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { FileStore } from '../../src/file-stores/file-store.js';
import { fileStoreFor } from '../../src/file-stores/file-store-for.js';
import { streamToStorageFile } from '../../src/ingest/stream-to-storage-file.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { redactSecrets } from '../../src/redact-secrets.js';
import type { StorageFile } from '../../src/storage-api/storage-types.js';

/** A store of our own interface that reads the whole body and reports `reported(bytes)` written. */
function fakeStore(provider: FileStore['provider'], reported = (bytes: number) => bytes) {
  const calls: StorageFile[] = [];
  const store: FileStore = {
    provider,
    async upload({ body, file }) {
      calls.push(file);
      let bytes = 0;
      for await (const chunk of body) bytes += (chunk as Buffer).length;
      return { bytes: reported(bytes) };
    },
  };
  return { store, calls };
}

const upload = (prepared: StorageFile, stores: Record<string, FileStore>) =>
  streamToStorageFile(
    Readable.from([Buffer.from('id\n1\n')]),
    {
      fileStores: stores,
      settings: { maxFileBytes: 1000 },
      metrics: createMetrics(),
      logger: createLogger('silent'),
    },
    {
      session: { prepareFile: async () => prepared, refreshFile: async () => prepared },
      signal: new AbortController().signal,
      clientSignal: new AbortController().signal,
      describe: () => ({ name: 'data.csv' }),
    },
  );

describe('file store by provider', () => {
  it('uses the store files/prepare named', async () => {
    const aws = fakeStore('aws');
    const gcp = fakeStore('gcp');
    const stored = await upload(
      { id: 1, name: 'data.csv', provider: 'gcp' },
      { aws: aws.store, gcp: gcp.store },
    );
    expect(stored.bytes).toBe(5);
    expect(gcp.calls).toHaveLength(1);
    expect(aws.calls).toHaveLength(0);
  });

  it('an answer without provider but with S3 parameters is aws (older stacks)', () => {
    const aws = fakeStore('aws');
    const file = {
      id: 1,
      name: 'x',
      uploadParams: { bucket: 'b', key: 'k', credentials: {} },
    } as StorageFile;
    expect(fileStoreFor({ aws: aws.store }, file)).toBe(aws.store);
  });

  it('an unknown provider is a 502 naming it, and no store is called', async () => {
    const aws = fakeStore('aws');
    const error = await upload({ id: 1, name: 'data.csv', provider: 'oracle' }, { aws: aws.store }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.unsupportedFileProvider',
      details: { provider: 'oracle' },
    });
    expect((error as Error).message).toContain('"oracle"');
    expect(aws.calls).toHaveLength(0);
    for (const provider of ['__proto__', 'constructor', undefined])
      expect(() => fileStoreFor({ aws: aws.store }, { id: 1, name: 'x', provider } as StorageFile)).toThrow(
        AppError,
      );
  });

  it('a store that reports fewer bytes than it was given fails the upload', async () => {
    const short = fakeStore('azure', (bytes) => bytes - 1);
    await expect(
      upload({ id: 1, name: 'data.csv', provider: 'azure' }, { azure: short.store }),
    ).rejects.toMatchObject({
      status: 502,
      code: 'importer.fileUploadFailed',
      details: { provider: 'azure' },
    });
  });
});

describe('redactSecrets', () => {
  it('removes SAS signatures, bearer tokens and known secret values', () => {
    const text =
      'PUT https://a.blob.core.windows.net/c/b?sv=2025&sig=abc%2Bdef%3D&sp=rw failed; Authorization: Bearer ya29.secret-token; SharedAccessSignature=sv=1&sig=XYZ;';
    const redacted = redactSecrets(text, ['known-secret-value']);
    expect(redacted).not.toMatch(/abc%2Bdef|ya29\.secret|XYZ/);
    expect(redacted).toContain('sig=[redacted]');
    expect(redactSecrets('token known-secret-value here', ['known-secret-value'])).toBe(
      'token [redacted] here',
    );
  });
});
