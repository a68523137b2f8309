// The Azure Blob Storage file store (Azure stacks): a block-blob upload with the container SAS that
// files/prepare handed out, staged in blocks of partBytes with at most queueSize + 1 buffers, then
// committed with Put Block List. Abort or failure commits nothing; staged blocks expire on their own.
import { AnonymousCredential, ContainerClient, newPipeline } from '@azure/storage-blob';
import { AppError } from '../errors.js';
import type { FileStore, UploadSettings } from './file-store.js';
import { fileUploadFailed, missingUploadParams } from './upload-failed.js';

export interface AzureBlobFileStoreDeps {
  settings: UploadSettings;
  /** AZURE_BLOB_ENDPOINT: replaces the connection string's BlobEndpoint (local mode: Azurite). */
  endpoint?: string | undefined;
}

export function createAzureBlobFileStore(deps: AzureBlobFileStoreDeps): FileStore {
  // The SAS travels in each URL, so one pipeline (and its keep-alive sockets) serves every upload.
  const pipeline = newPipeline(new AnonymousCredential(), {
    retryOptions: { maxTries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 },
  });
  return {
    provider: 'azure',
    async upload({ body, file, signal }) {
      const params = file.absUploadParams;
      if (!params?.absCredentials?.SASConnectionString || !params.container || !params.blobName)
        throw missingUploadParams('azure', 'absUploadParams (SASConnectionString, container, blobName)');
      const { blobEndpoint, sas } = parseSasConnectionString(params.absCredentials.SASConnectionString);
      const endpoint = (deps.endpoint ?? blobEndpoint).replace(/\/+$/, '');
      const container = new ContainerClient(
        `${endpoint}/${encodeURIComponent(params.container)}?${sas}`,
        pipeline,
      );
      let bytes = 0;
      // The SDK hears the signal only on its requests: while it waits for body bytes, ending the
      // body is what stops it (the caller's pipeline does too; this keeps the store honest alone).
      const stopReading = () => body.destroy(signal.reason as Error);
      signal.addEventListener('abort', stopReading, { once: true });
      try {
        await container
          .getBlockBlobClient(params.blobName)
          .uploadStream(body, deps.settings.partBytes, deps.settings.queueSize + 1, {
            abortSignal: signal,
            blobHTTPHeaders: { blobContentDisposition: `attachment; filename=${file.name};` },
            onProgress: (progress) => {
              bytes = progress.loadedBytes;
            },
          });
        return { bytes };
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // The body's own failure (size limit, stalled client) is the cause, whatever Azure said after it.
        if (body.errored instanceof AppError) throw body.errored;
        if (err instanceof AppError) throw err;
        const { statusCode, code, message } = err as {
          statusCode?: unknown;
          code?: unknown;
          message?: unknown;
        };
        throw fileUploadFailed(
          'azure',
          typeof statusCode === 'number' ? statusCode : undefined,
          [code, message].filter((part) => typeof part === 'string').join(': ') || String(err),
          [sas],
        );
      } finally {
        signal.removeEventListener('abort', stopReading);
      }
    },
  };
}

/**
 * `BlobEndpoint=https://<account>.blob.core.windows.net;SharedAccessSignature=sv=…&sig=…` (contract
 * §13.8): both keys required, as Keboola's Go SDK does. The string is a secret: no error quotes it.
 */
export function parseSasConnectionString(connectionString: string): { blobEndpoint: string; sas: string } {
  const values = new Map<string, string>();
  for (const pair of connectionString.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) values.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  const blobEndpoint = values.get('BlobEndpoint');
  const sas = values.get('SharedAccessSignature')?.replace(/^\?/, '');
  if (!blobEndpoint || !/^https?:\/\//.test(blobEndpoint) || !sas)
    throw missingUploadParams('azure', 'a SAS connection string with BlobEndpoint and SharedAccessSignature');
  return { blobEndpoint, sas };
}
