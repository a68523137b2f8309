// Builds the file stores (one per provider) and picks the one for a prepared Storage file by its
// `provider`, before any byte is sent. Anything but aws, azure or gcp is a 502.
import { importerError } from '../errors.js';
import type { StorageFile } from '../storage-api/storage-types.js';
import type { FileProvider, FileStore, UploadSettings } from './file-store.js';
import { createGcsFileStore } from './gcs-file-store.js';
import { createS3ClientFor, type S3Endpoint } from './s3-client-for.js';
import { createS3FileStore } from './s3-file-store.js';

export type FileStores = Partial<Record<FileProvider, FileStore>>;

export function fileStoreFor(stores: FileStores, file: StorageFile): FileStore {
  // Answers without `provider` predate Azure and GCP stacks: their upload block is S3's.
  const provider = file.provider ?? (file.uploadParams ? 'aws' : undefined);
  const store =
    typeof provider === 'string' && Object.hasOwn(stores, provider)
      ? stores[provider as FileProvider]
      : undefined;
  if (!store) {
    const named = typeof provider === 'string' ? `"${provider.slice(0, 40)}"` : 'no provider';
    throw importerError(
      'importer.unsupportedFileProvider',
      `Storage files/prepare answered ${named}; this importer uploads to aws, azure and gcp only.`,
      { provider: typeof provider === 'string' ? provider.slice(0, 40) : null },
    );
  }
  return store;
}

export interface FileStoresSettings {
  settings: UploadSettings;
  s3: S3Endpoint;
  /** AZURE_BLOB_ENDPOINT (local mode: Azurite); undefined = the SAS connection string's BlobEndpoint. */
  azureBlobEndpoint: string | undefined;
  /** GCS_ENDPOINT (local mode: the GCS stand-in); undefined = https://storage.googleapis.com. */
  gcsEndpoint: string | undefined;
}

/** One store per provider; endpoints come from configuration only, never from a request. */
export function createFileStores(options: FileStoresSettings): FileStores {
  return {
    aws: createS3FileStore({ s3ClientFor: createS3ClientFor(options.s3), settings: options.settings }),
    // @azure/storage-blob and its pipeline cost ~15 MiB of idle RSS: loaded on the first Azure file.
    azure: loadOnFirstUpload('azure', async () =>
      (await import('./azure-blob-file-store.js')).createAzureBlobFileStore({
        settings: options.settings,
        endpoint: options.azureBlobEndpoint,
      }),
    ),
    gcp: createGcsFileStore({ settings: options.settings, endpoint: options.gcsEndpoint }),
  };
}

function loadOnFirstUpload(provider: FileProvider, load: () => Promise<FileStore>): FileStore {
  let loading: Promise<FileStore> | undefined;
  return {
    provider,
    async upload(upload) {
      loading ??= load().catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      return (await loading).upload(upload);
    },
  };
}
