// Local file storage on Azure terms: Microsoft's emulator Azurite (npm `azurite`, a dev dependency)
// embedded on its own loopback port with its data under LOCAL_STORAGE_DIR/azurite. files/prepare
// hands out a container SAS connection string, as Azure stacks do; jobs read blobs with the account key.
import { createWriteStream, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { advertisedHost, type LocalFileStorage, type LocalFileStorageOptions } from './local-file-storage.js';

/** Azurite's built-in development account (public, documented by Microsoft). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'kbc-local-files';
const SAS_TTL_MS = 12 * 3600 * 1000;

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

export async function startAzuriteFileStorage(options: LocalFileStorageOptions): Promise<LocalFileStorage> {
  const directory = join(options.dataDir, 'azurite');
  mkdirSync(join(directory, 'blobs'), { recursive: true });
  // Azurite ships CommonJS without types or exports map: its blob server is loaded by path.
  const require = createRequire(import.meta.url);
  try {
    require.resolve('azurite/dist/src/blob/BlobServer.js');
  } catch {
    throw new Error('LOCAL_FILE_PROVIDER=azure needs the dev dependency azurite: run `npm install`.');
  }
  const BlobServer = require('azurite/dist/src/blob/BlobServer.js').default as new (
    config: unknown,
  ) => AzuriteBlobServer;
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration.js').default as new (
    ...args: unknown[]
  ) => unknown;
  const server = new BlobServer(
    new BlobConfiguration(
      options.host,
      options.port,
      undefined, // keep-alive timeout: Azurite's default
      join(directory, '__azurite_db_blob__.json'),
      join(directory, '__azurite_db_blob_extent__.json'),
      [{ locationId: 'Default', locationPath: join(directory, 'blobs'), maxConcurrency: 10 }],
      false, // access log
      undefined,
      false, // debug log
      undefined,
      false, // loose
      true, // skip the API version check: the SDK may be newer than the emulator
    ),
  );
  await server.start();
  const port = new URL(server.getHttpServerAddress()).port;
  const ownEndpoint = `http://${advertisedHost(options.host)}:${port}/${ACCOUNT}`;
  let endpoint = ownEndpoint;
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  const container = new BlobServiceClient(ownEndpoint, credential).getContainerClient(CONTAINER);
  try {
    await container.createIfNotExists();
  } catch (err) {
    await server.close();
    throw err;
  }

  const sasCredentials = (now: Date) => {
    const expiresOn = new Date(now.getTime() + SAS_TTL_MS);
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        permissions: ContainerSASPermissions.parse('rwl'),
        startsOn: new Date(now.getTime() - 60_000),
        expiresOn,
      },
      credential,
    ).toString();
    return {
      SASConnectionString: `BlobEndpoint=${endpoint};SharedAccessSignature=${sas}`,
      expiration: `${expiresOn.toISOString().slice(0, 19)}+0000`,
    };
  };

  const openObject = async (key: string) => {
    try {
      const download = await container.getBlobClient(key).download();
      const body = download.readableStreamBody as Readable | undefined;
      return body ? { body, sizeBytes: download.contentLength } : undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  };

  return {
    provider: 'azure',
    get endpoint() {
      return endpoint;
    },
    bucket: CONTAINER,
    region: 'northeurope',
    uploadParams: (file, now) => ({
      absUploadParams: {
        blobName: file.key,
        accountName: ACCOUNT,
        container: CONTAINER,
        absCredentials: sasCredentials(now),
      },
    }),
    downloadParams: (file, now) => ({
      absPath: { container: CONTAINER, name: file.key },
      absCredentials: sasCredentials(now),
    }),
    refreshParams: () => undefined,
    advertise(url) {
      endpoint = `${url}/${ACCOUNT}`;
    },
    openObject,
    async putObjectFromFile(key, source, contentType) {
      await container
        .getBlockBlobClient(key)
        .uploadFile(source, { blobHTTPHeaders: { blobContentType: contentType } });
      return { sizeBytes: (await stat(source)).size };
    },
    async deleteObject(key) {
      await container.getBlobClient(key).deleteIfExists();
    },
    async downloadObject(key, destination) {
      const object = await openObject(key);
      if (!object) return undefined;
      await pipeline(object.body, createWriteStream(destination));
      return { sizeBytes: (await stat(destination)).size };
    },
    close: () => server.close(),
  };
}
