// The subset of Keboola Storage API resources the importer reads (storage-api-contract.md §3-§8).
// Only the fields we use are typed; everything else is passed through untouched.

export type JobStatus = 'waiting' | 'processing' | 'success' | 'error';

export interface StorageJob {
  id: number;
  status: JobStatus;
  url: string;
  tableId: string | null;
  operationName: string;
  operationParams?: { source?: { type?: string; fileId?: number } } & Record<string, unknown>;
  createdTime?: string;
  startTime: string | null;
  endTime: string | null;
  results: Record<string, unknown> | null | unknown[];
  error?: { code?: string; message?: string; exceptionId?: string };
}

export interface ImportResults {
  importedColumns: string[];
  warnings: unknown[];
  transaction: unknown;
  totalRowsCount: number;
  totalDataSizeBytes: number;
}

export interface StorageTable {
  id: string;
  name: string;
  columns: string[];
  primaryKey: string[];
  rowsCount?: number;
  dataSizeBytes?: number;
}

/** `GET tables/{id}/data-preview?format=json` (contract §8.2). */
export interface StorageTablePreview {
  columns: string[];
  rows: Array<Array<{ columnName: string; value: string | null; isTruncated?: boolean }>>;
}

export interface StorageBucket {
  id: string;
  name: string;
  stage: string;
}

export interface S3UploadParams {
  bucket: string;
  key: string;
  acl?: string;
  'x-amz-server-side-encryption'?: string;
  credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration?: string };
}

/** Azure stacks (contract §3.3): a container SAS (`SharedAccessSignature=…&sig=…`) is a secret. */
export interface AbsUploadParams {
  blobName: string;
  accountName?: string;
  container: string;
  absCredentials: { SASConnectionString: string; expiration?: string };
}

/** GCP stacks (contract §3.3): a one-hour OAuth token for the key; refreshed via files/{id}/refresh. */
export interface GcsUploadParams {
  projectId?: string;
  bucket: string;
  key: string;
  access_token: string;
  expires_in?: number;
  token_type?: string;
}

export interface StorageFile {
  id: number;
  name: string;
  sizeBytes?: number | null;
  url?: string;
  provider?: string;
  region?: string;
  tags?: string[];
  uploadParams?: S3UploadParams;
  absUploadParams?: AbsUploadParams;
  gcsUploadParams?: GcsUploadParams;
  [key: string]: unknown;
}

export interface PrepareFileParams {
  name: string;
  tags: string[];
  isPermanent?: boolean;
  notify?: boolean;
  sizeBytes?: number;
  contentType?: string;
}

export interface CsvImportParams {
  dataFileId: number;
  delimiter: string;
  enclosure: string;
  escapedBy: string;
  columns?: string[];
  withoutHeaders?: boolean;
  ignoredLinesCount?: number;
  treatValuesAsNull?: string[];
}

export interface TableImportParams extends CsvImportParams {
  incremental: boolean;
}

export interface TableCreateParams extends CsvImportParams {
  name: string;
  primaryKey?: string;
}
