// How an idempotency key lives in Storage: tags on the Storage file a keyed request creates. Only
// hashes are stored (a key may be a secret-ish delivery id; tags are visible to project users).
// At prepare: the key and the table; after the upload: the body digest, the table and the time;
// after the job started: its id. parseKeyedFile reads them back from a listed file.
import { createHash } from 'node:crypto';
import type { StorageFile } from '../../../storage-api/storage-types.js';

const PREFIX = 'importer-idem';

const hash = (text: string, hexChars: number) =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, hexChars);

/** Lists every file of one key: `GET files?tags[]=<keyTag>`. */
export function keyTag(key: string): string {
  return `${PREFIX}-key-${hash(key, 40)}`;
}

/** The table a request writes (its branch included): a key sent for another table is misuse. */
export function tableFingerprint(tableId: string, branchId: string | undefined): string {
  return hash(`${branchId ?? 'default'}/${tableId}`, 16);
}

export function tableTag(fingerprint: string): string {
  return `${PREFIX}-table-${fingerprint}`;
}

/**
 * Added once the upload completed: body sha256 (first 40 hex digits), table, epoch seconds, the
 * stored file's size (Storage's own sizeBytes stays null: prepare is not told the size of a stream)
 * `incremental` (a tableCreate job does not record it) and a CSV's delimiter (as a char code):
 * what a replay answers with.
 */
export function uploadedTag(upload: {
  bodySha256: string;
  table: string;
  atMs: number;
  bytes: number;
  incremental: boolean;
  delimiter?: string | undefined;
}): string {
  const seconds = Math.floor(upload.atMs / 1000);
  const mode = upload.incremental ? 'i1' : 'i0';
  const delimiter = upload.delimiter === undefined ? '' : `-d${upload.delimiter.charCodeAt(0)}`;
  return `${PREFIX}-done-${upload.bodySha256.slice(0, 40)}-${upload.table}-${seconds}-${upload.bytes}-${mode}${delimiter}`;
}

/** One request's own files, for a cleanup that never learnt the id (files/prepare cut short). */
export function requestTag(nonce: string): string {
  return `${PREFIX}-req-${nonce}`;
}

export function jobTag(jobId: number): string {
  return `${PREFIX}-job-${jobId}`;
}

export interface KeyedFile {
  id: number;
  name: string;
  sizeBytes: number | undefined;
  /** When Storage created the file (files/prepare), epoch ms; NaN when unreadable. */
  createdMs: number;
  /** Table fingerprint, from the prepare tag or the uploaded tag. */
  table: string | undefined;
  /** Set once the request that created the file finished uploading it. */
  uploaded: { bodySha256: string; atMs: number; incremental: boolean; delimiter?: string } | undefined;
  jobIds: number[];
  /** The tag of the request that prepared the file. */
  requestTag: string | undefined;
}

const TABLE = new RegExp(`^${PREFIX}-table-([0-9a-f]{16})$`);
const UPLOADED = new RegExp(
  `^${PREFIX}-done-([0-9a-f]{40})-([0-9a-f]{16})-(\\d{1,12})-(\\d{1,16})-i([01])(?:-d(\\d{1,3}))?$`,
);
const JOB = new RegExp(`^${PREFIX}-job-(\\d{1,15})$`);

export function parseKeyedFile(file: StorageFile): KeyedFile {
  const keyed: KeyedFile = {
    id: file.id,
    name: file.name,
    sizeBytes: typeof file.sizeBytes === 'number' ? file.sizeBytes : undefined,
    createdMs: parseStorageTime(file.created),
    table: undefined,
    uploaded: undefined,
    jobIds: [],
    requestTag: undefined,
  };
  for (const tag of file.tags ?? []) {
    if (tag.startsWith(`${PREFIX}-req-`)) keyed.requestTag = tag;
    const table = TABLE.exec(tag);
    if (table) keyed.table = table[1];
    const uploaded = UPLOADED.exec(tag);
    if (uploaded) {
      keyed.table = uploaded[2];
      keyed.uploaded = {
        bodySha256: uploaded[1] as string,
        atMs: Number(uploaded[3]) * 1000,
        incremental: uploaded[5] === '1',
        ...(uploaded[6] !== undefined ? { delimiter: String.fromCharCode(Number(uploaded[6])) } : {}),
      };
      keyed.sizeBytes = Number(uploaded[4]);
    }
    const job = JOB.exec(tag);
    if (job) keyed.jobIds.push(Number(job[1]));
  }
  return keyed;
}

/** Storage writes `2017-02-14T10:34:45+0100`; Date.parse wants the offset as `+01:00`. */
function parseStorageTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
