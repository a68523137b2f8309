// JSON shapes of the local Storage stand-in's resources (contract §1.3, §3.2, §6.2, §7.1, §8.1),
// built from metadata records and the request origin. Pure functions: no I/O, no validation.
import { createHmac } from 'node:crypto';
import type { ResolvedToken } from '../auth/tokens.js';
import { MOUNT_PATH } from '../protocol/storage-response.js';
import { presentColumnMetadata, presentTableMetadata } from './metadata-items.js';
import type { BucketRecord, FileRecord, JobRecord, MetadataState, TableRecord } from './metadata-store.js';

export const LOCAL_PROJECT_ID = 1;
export const LOCAL_BACKEND = 'duckdb';
const FILE_MAX_AGE_DAYS = 15;
const DOWNLOAD_URL_TTL_SECONDS = 3600;

export function presentBucket(bucket: BucketRecord, state: MetadataState, origin: string) {
  const uri = `${origin}${MOUNT_PATH}/buckets/${bucket.id}`;
  const tables = Object.values(state.tables).filter((table) => table.bucketId === bucket.id);
  const lastChangeDate = tables
    .map((table) => table.lastChangeDate)
    .filter((date): date is string => date !== null)
    .sort()
    .at(-1);
  return {
    uri,
    id: bucket.id,
    name: bucket.name,
    displayName: bucket.displayName,
    stage: bucket.stage,
    description: bucket.description,
    tables: `${uri}/tables`,
    created: bucket.created,
    lastChangeDate: lastChangeDate ?? null,
    updated: null,
    isReadOnly: false,
    dataSizeBytes: tables.reduce((sum, table) => sum + table.dataSizeBytes, 0),
    rowsCount: tables.reduce((sum, table) => sum + table.rowsCount, 0),
    isMaintenance: false,
    backend: LOCAL_BACKEND,
    hasExternalSchema: false,
    databaseName: null,
    path: bucket.id,
    sharing: null,
    bucketSharingAllowed: true,
    color: null,
    isLinkedBucket: false,
    metadata: [],
    backendPath: [`project_${LOCAL_PROJECT_ID}`, bucket.id],
  };
}

export function presentTable(table: TableRecord, state: MetadataState, origin: string) {
  const bucket = state.buckets[table.bucketId];
  return {
    uri: `${origin}${MOUNT_PATH}/tables/${table.id}`,
    id: table.id,
    name: table.name,
    displayName: table.name,
    transactional: false,
    primaryKey: [...table.primaryKey],
    created: table.created,
    lastImportDate: table.lastImportDate,
    lastChangeDate: table.lastChangeDate,
    rowsCount: table.rowsCount,
    dataSizeBytes: table.dataSizeBytes,
    isAlias: false,
    isAliasable: true,
    isTyped: false,
    timestampType: 'MANAGED',
    tableType: 'table',
    path: `${table.bucketId}/${table.name}`,
    columns: [...table.columns],
    metadata: presentTableMetadata(state, table.id),
    columnMetadata: presentColumnMetadata(state, table.id),
    bucket: bucket ? presentBucket(bucket, state, origin) : null,
  };
}

export interface FileViewOptions {
  origin: string;
  urlSigningSecret: string;
  /** aws, azure or gcp: the embedded file storage's provider (default aws). */
  provider?: string;
  bucket: string;
  region: string;
  now: Date;
}

export function presentFile(file: FileRecord, options: FileViewOptions) {
  return {
    id: file.id,
    created: file.created,
    isPublic: file.isPublic,
    isSliced: file.isSliced,
    isEncrypted: file.isEncrypted,
    name: file.name,
    url: signDownloadUrl(file.id, options),
    provider: options.provider ?? 'aws',
    region: options.region,
    sizeBytes: file.sizeBytes,
    tags: [...file.tags],
    maxAgeDays: file.isPermanent ? null : FILE_MAX_AGE_DAYS,
    runId: file.runId,
    runIds: [...file.runIds],
    creatorToken: { id: Number(file.creatorToken.id), description: file.creatorToken.description },
  };
}

/** A download link to the stand-in itself, valid 1 h like Storage's presigned S3 URL. */
export function signDownloadUrl(fileId: number, options: FileViewOptions): string {
  const expires = Math.floor(options.now.getTime() / 1000) + DOWNLOAD_URL_TTL_SECONDS;
  const signature = signDownload(fileId, expires, options.urlSigningSecret);
  return `${options.origin}${MOUNT_PATH}/files/${fileId}/download?expires=${expires}&signature=${signature}`;
}

export function signDownload(fileId: number, expires: number, secret: string): string {
  return createHmac('sha256', secret).update(`${fileId}:${expires}`).digest('hex');
}

export function presentJob(job: JobRecord, origin: string) {
  return {
    id: job.id,
    status: job.status,
    url: `${origin}${MOUNT_PATH}/jobs/${job.id}`,
    tableId: job.tableId,
    operationName: job.operationName,
    operationParams: job.operationParams,
    createdTime: job.createdTime,
    startTime: job.startTime,
    endTime: job.endTime,
    runId: job.runId,
    results: job.results,
    creatorToken: { ...job.creatorToken },
    metrics: { ...job.metrics },
    ...(job.error ? { error: { ...job.error } } : {}),
  };
}

export function presentToken(
  token: ResolvedToken,
  creator: ResolvedToken,
  state: MetadataState,
  origin: string,
) {
  const tables = Object.values(state.tables);
  const bucketPermissions = token.isMasterToken
    ? Object.fromEntries(Object.keys(state.buckets).map((id) => [id, 'manage']))
    : { ...token.bucketPermissions };
  return {
    id: token.id,
    token: token.token,
    description: token.description,
    uri: `${origin}${MOUNT_PATH}/tokens/${token.id}`,
    created: state.projectCreated,
    refreshed: state.projectCreated,
    expires: null,
    isExpired: false,
    isDisabled: false,
    isMasterToken: token.isMasterToken,
    canManageBuckets: token.isMasterToken,
    canManageTokens: token.isMasterToken,
    canReadAllFileUploads: token.isMasterToken,
    canPurgeTrash: token.isMasterToken,
    canManageProtectedDefaultBranch: false,
    canCreateJobs: false,
    isBYODB: false,
    dailyCapacity: 0,
    // Storage (PHP) serialises an empty map as [].
    bucketPermissions: Object.keys(bucketPermissions).length > 0 ? bucketPermissions : [],
    componentAccess: [],
    creatorToken: { id: Number(creator.id), description: creator.description },
    organization: { id: '1' },
    owner: {
      id: LOCAL_PROJECT_ID,
      name: 'Local Project',
      type: 'production',
      region: 'local',
      created: state.projectCreated,
      expires: null,
      features: [],
      dataSizeBytes: tables.reduce((sum, table) => sum + table.dataSizeBytes, 0),
      rowsCount: tables.reduce((sum, table) => sum + table.rowsCount, 0),
      hasMysql: false,
      hasSynapse: false,
      hasRedshift: false,
      hasSnowflake: false,
      hasExasol: false,
      hasTeradata: false,
      hasBigquery: false,
      defaultBackend: LOCAL_BACKEND,
      assignedBackends: [LOCAL_BACKEND],
      fileStorageProvider: 'aws',
      hasTryModeOn: '0',
      isDisabled: false,
      billedMonthlyPrice: null,
      dataRetentionTimeInDays: 0,
      limits: {},
      metrics: {
        'storage.rowsCount': {
          name: 'storage.rowsCount',
          value: tables.reduce((s, t) => s + t.rowsCount, 0),
        },
        'storage.dataSizeBytes': {
          name: 'storage.dataSizeBytes',
          value: tables.reduce((s, t) => s + t.dataSizeBytes, 0),
        },
      },
    },
  };
}
