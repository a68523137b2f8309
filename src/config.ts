// Parses the environment into typed settings. The only place that knows variable names and
// defaults; it never reads process.env itself (main.ts passes it in) and reports every problem at once.
import { type FaultPlan, FaultPlanError, parseFaultPlan } from './local-storage/faults/fault-plan.js';

export type Mode = 'local' | 'remote';
export type LocalFileProvider = 'aws' | 'azure' | 'gcp';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  /** Storage API base URL; undefined in local mode until the server knows its own address. */
  kbcUrl: string | undefined;
  s3Endpoint: string | undefined;
  s3ForcePathStyle: boolean;
  /** Replaces the SAS connection string's BlobEndpoint (Azure stacks); set automatically in local mode. */
  azureBlobEndpoint: string | undefined;
  /** GCS JSON API base (GCP stacks); undefined = https://storage.googleapis.com; local mode: the stand-in. */
  gcsEndpoint: string | undefined;
  /** Local mode: which file storage the stand-in embeds and files/prepare answers for. */
  localFileProvider: LocalFileProvider;
  localStorageDir: string;
  localStorageToken: string;
  localS3Port: number;
  /** Local mode: DuckDB's memory_limit (e.g. `512MB`); beyond it DuckDB spills to LOCAL_STORAGE_DIR/tmp. */
  localDuckdbMemory: string;
  /** Local mode: fault injection in the Storage stand-in and its S3 (LOCAL_FAULTS); undefined = off. */
  localFaults: FaultPlan | undefined;
  maxFileBytes: number;
  jobWaitSeconds: number;
  maxConcurrentUploads: number;
  uploadPartBytes: number;
  uploadQueueSize: number;
  /** The importer's public base URL (no trailing slash) for absolute Location headers; undefined = relative. */
  publicUrl: string | undefined;
  /** A request body that sends nothing for this long is answered 408. */
  idleTimeoutSeconds: number;
  /** On SIGTERM/SIGINT, in-flight requests get this long to finish. */
  drainSeconds: number;
  /** JSON bodies: the column set is fixed from this many first records… */
  jsonSampleRecords: number;
  /** …or this many first (decoded) body bytes, whichever comes first. */
  jsonSampleBytes: number;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => ` - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIB = 1024 * 1024;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Every variable the service reads, with its default as written in the README table. */
export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'KBC_URL',
  'S3_ENDPOINT',
  'S3_FORCE_PATH_STYLE',
  'AZURE_BLOB_ENDPOINT',
  'GCS_ENDPOINT',
  'LOCAL_FILE_PROVIDER',
  'LOCAL_STORAGE_DIR',
  'LOCAL_STORAGE_TOKEN',
  'LOCAL_S3_PORT',
  'LOCAL_DUCKDB_MEMORY',
  'LOCAL_FAULTS',
  'MAX_FILE_BYTES',
  'JOB_WAIT_SECONDS',
  'MAX_CONCURRENT_UPLOADS',
  'UPLOAD_PART_BYTES',
  'UPLOAD_QUEUE_SIZE',
  'IDLE_TIMEOUT_SECONDS',
  'PUBLIC_URL',
  'DRAIN_SECONDS',
  'JSON_SAMPLE_RECORDS',
  'JSON_SAMPLE_BYTES',
  'LOG_LEVEL',
] as const;

/** DuckDB's own default is 80 % of RAM; a 1 GiB import fits well within this. */
export const DEFAULT_DUCKDB_MEMORY = '256MB';
const DUCKDB_MEMORY = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export interface ConfigDefaults {
  /** PORT when unset: 8080 for the importer; the stand-in alone uses 9080 so both fit side by side. */
  port?: number;
}

export function loadConfig(env: Record<string, string | undefined>, defaults: ConfigDefaults = {}): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true/false/1/0, got "${raw}"`);
    return fallback;
  };
  const url = (name: string): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} must be an http(s) URL, got "${raw}"`);
      return undefined;
    }
  };

  const kbcUrl = url('KBC_URL');
  const mode: Mode = read('KBC_URL') === undefined ? 'local' : 'remote';
  const port = integer('PORT', defaults.port ?? 8080, 0, 65535);
  const localDuckdbMemory = read('LOCAL_DUCKDB_MEMORY') ?? DEFAULT_DUCKDB_MEMORY;
  if (!DUCKDB_MEMORY.test(localDuckdbMemory)) {
    problems.push(`LOCAL_DUCKDB_MEMORY must be a size like 512MB or 2GB, got "${localDuckdbMemory}"`);
  }
  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const localStorageToken = read('LOCAL_STORAGE_TOKEN') ?? 'local-token';
  if (!/^[\x21-\x7e]{1,256}$/.test(localStorageToken)) {
    problems.push('LOCAL_STORAGE_TOKEN must be 1-256 printable ASCII characters without spaces');
  }

  const config: Config = {
    mode,
    port,
    host: read('HOST') ?? (mode === 'local' ? '127.0.0.1' : '0.0.0.0'),
    kbcUrl,
    s3Endpoint: url('S3_ENDPOINT'),
    s3ForcePathStyle: boolean('S3_FORCE_PATH_STYLE', false),
    azureBlobEndpoint: url('AZURE_BLOB_ENDPOINT'),
    gcsEndpoint: url('GCS_ENDPOINT'),
    localFileProvider: readLocalFileProvider(read('LOCAL_FILE_PROVIDER'), mode, problems),
    localStorageDir: read('LOCAL_STORAGE_DIR') ?? '.local-storage',
    localStorageToken,
    localS3Port: integer('LOCAL_S3_PORT', port === 0 ? 0 : port + 1, 0, 65535),
    localDuckdbMemory,
    localFaults: readFaultPlan(read('LOCAL_FAULTS'), mode, problems),
    maxFileBytes: integer('MAX_FILE_BYTES', 2 * 1024 * MIB, 1),
    jobWaitSeconds: integer('JOB_WAIT_SECONDS', 1800, 0, 86_400),
    maxConcurrentUploads: integer('MAX_CONCURRENT_UPLOADS', 32, 1, 10_000),
    uploadPartBytes: integer('UPLOAD_PART_BYTES', 5 * MIB, 5 * MIB, 5 * 1024 * MIB),
    uploadQueueSize: integer('UPLOAD_QUEUE_SIZE', 2, 1, 64),
    publicUrl: url('PUBLIC_URL'),
    idleTimeoutSeconds: integer('IDLE_TIMEOUT_SECONDS', 60, 1, 3600),
    drainSeconds: integer('DRAIN_SECONDS', 280, 0, 3600),
    jsonSampleRecords: integer('JSON_SAMPLE_RECORDS', 1000, 1, 1_000_000),
    jsonSampleBytes: integer('JSON_SAMPLE_BYTES', 8 * MIB, 1, 256 * MIB),
    logLevel,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** LOCAL_FAULTS: a fault plan for the local stand-in (faults/fault-plan.ts); meaningless in remote mode. */
function readFaultPlan(raw: string | undefined, mode: Mode, problems: string[]): FaultPlan | undefined {
  if (raw === undefined) return undefined;
  if (mode === 'remote') {
    problems.push('LOCAL_FAULTS works only in local mode (without KBC_URL)');
    return undefined;
  }
  try {
    return parseFaultPlan(raw);
  } catch (err) {
    if (!(err instanceof FaultPlanError)) throw err;
    problems.push(`LOCAL_FAULTS is invalid: ${err.problems.join('; ')}`);
    return undefined;
  }
}

/** LOCAL_FILE_PROVIDER: aws (s3rver), azure (Azurite) or gcp (the GCS API stand-in); local mode only. */
function readLocalFileProvider(raw: string | undefined, mode: Mode, problems: string[]): LocalFileProvider {
  if (raw === undefined) return 'aws';
  const value = raw.toLowerCase();
  if (mode === 'remote') {
    problems.push(
      'LOCAL_FILE_PROVIDER works only in local mode (without KBC_URL); remote stacks name their provider',
    );
    return 'aws';
  }
  if (value === 'aws' || value === 'azure' || value === 'gcp') return value;
  problems.push(`LOCAL_FILE_PROVIDER must be aws, azure or gcp, got "${raw}"`);
  return 'aws';
}
