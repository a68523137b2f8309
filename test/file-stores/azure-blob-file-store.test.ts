// The Azure Blob file store against embedded Azurite: Content-Disposition as on S3, an empty body
// makes an empty blob, abort commits nothing, and a refused SAS is a 502 with the status whose
// message never carries the signature.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  createAzureBlobFileStore,
  parseSasConnectionString,
} from '../../src/file-stores/azure-blob-file-store.js';
import { startAzuriteFileStorage } from '../../src/local-storage/files/azurite-file-storage.js';
import type { LocalFileStorage } from '../../src/local-storage/files/local-file-storage.js';
import type { FileRecord } from '../../src/local-storage/metadata/metadata-store.js';
import type { StorageFile } from '../../src/storage-api/storage-types.js';

const MIB = 1024 * 1024;

describe('Azure Blob file store (block blob upload)', () => {
  let dir: string;
  let azurite: LocalFileStorage;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'azure-store-'));
    azurite = await startAzuriteFileStorage({
      provider: 'azure',
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      signingSecret: 'unused-by-azurite',
    });
  });
  afterAll(async () => {
    await azurite?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const store = createAzureBlobFileStore({ settings: { partBytes: 5 * MIB, queueSize: 1 } });
  const prepared = (key: string): StorageFile => ({
    id: 1,
    name: 'users.csv',
    provider: 'azure',
    ...(azurite.uploadParams({ key } as FileRecord, new Date()) as Pick<StorageFile, 'absUploadParams'>),
  });
  const blob = (file: StorageFile) => {
    const params = file.absUploadParams;
    const connection = params?.absCredentials.SASConnectionString ?? '';
    return BlobServiceClient.fromConnectionString(connection)
      .getContainerClient(params?.container ?? '')
      .getBlockBlobClient(params?.blobName ?? '');
  };
  const upload = (file: StorageFile, body: Readable, signal = new AbortController().signal) =>
    store.upload({ body, file, signal, refreshFile: () => Promise.reject(new Error('not for Azure')) });

  it('stores several blocks exactly, with the Content-Disposition S3 gets', async () => {
    const file = prepared('blocks/users.csv');
    const bytes = randomBytes(11 * MIB + 5);
    await expect(upload(file, Readable.from([bytes]))).resolves.toEqual({ bytes: bytes.length });
    const object = await azurite.openObject(file.absUploadParams?.blobName ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of object?.body ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect((await blob(file).getProperties()).contentDisposition).toBe('attachment; filename=users.csv;');
  });

  it('an empty body still creates the (empty) blob', async () => {
    const file = prepared('empty/users.csv');
    await expect(upload(file, Readable.from([]))).resolves.toEqual({ bytes: 0 });
    expect((await blob(file).getProperties()).contentLength).toBe(0);
  });

  it('abort mid-upload commits no blob', async () => {
    const file = prepared('aborted/users.csv');
    const controller = new AbortController();
    // Two blocks' worth arrive, then the client goes quiet and is gone (a socket-like body).
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(12 * MIB, 'a'));
    setImmediate(() => controller.abort(new Error('client gone')));
    await expect(upload(file, body, controller.signal)).rejects.toThrow('client gone');
    expect(await blob(file).exists()).toBe(false);
  });

  it('a refused SAS is a 502 with the status; the signature appears nowhere', async () => {
    const file = prepared('refused/users.csv');
    const params = file.absUploadParams;
    if (!params) throw new Error('no absUploadParams');
    const { sas } = parseSasConnectionString(params.absCredentials.SASConnectionString);
    const signature = new URLSearchParams(sas).get('sig') ?? '';
    const forged = `${signature.slice(0, -4)}AAA=`;
    params.absCredentials.SASConnectionString = params.absCredentials.SASConnectionString.replace(
      encodeURIComponent(signature),
      encodeURIComponent(forged),
    );
    const error = await upload(file, Readable.from([Buffer.from('id\n1\n')])).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 502,
      code: 'importer.fileUploadFailed',
      details: { provider: 'azure', upstreamStatus: 403 },
    });
    const shown = JSON.stringify([String(error), (error as AppError).details]);
    expect(shown).not.toContain(forged.slice(0, 20));
    expect(shown).not.toContain(encodeURIComponent(forged).slice(0, 20));
  });

  it('a connection string without its parts is refused before any request, without quoting it', () => {
    expect(() => parseSasConnectionString('AccountKey=secret-value-123')).toThrow(AppError);
    expect(() => parseSasConnectionString('AccountKey=secret-value-123')).not.toThrow(/secret-value/);
  });
});
