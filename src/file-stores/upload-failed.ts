// The one error a failed upload to Azure Blob Storage or GCS becomes: 502 with the provider and the
// upstream status, its message scrubbed of SAS signatures and tokens. (S3 keeps importer.s3UploadFailed.)
import { type AppError, importerError } from '../errors.js';
import { redactSecrets } from '../redact-secrets.js';
import type { FileProvider } from './file-store.js';

const NAMES: Record<FileProvider, string> = {
  aws: 'S3',
  azure: 'Azure Blob Storage',
  gcp: 'Google Cloud Storage',
};

export function fileUploadFailed(
  provider: FileProvider,
  status: number | undefined,
  reason: string,
  secrets: readonly string[] = [],
): AppError {
  const said = redactSecrets(reason, secrets).replace(/\s+/g, ' ').trim().slice(0, 300);
  return importerError(
    'importer.fileUploadFailed',
    `Uploading the file to ${NAMES[provider]} failed${status ? ` (HTTP ${status})` : ''}: ${said}`,
    { provider, ...(status ? { upstreamStatus: status } : {}) },
  );
}

/** files/prepare answered `provider` without the upload block that provider needs. */
export function missingUploadParams(provider: FileProvider, field: string): AppError {
  return importerError(
    'importer.storageFailed',
    `Storage files/prepare answered provider "${provider}" without ${field}.`,
    { provider },
  );
}
