// Durable metadata of the local Storage stand-in (buckets, tables, files, jobs, id counters) as one
// JSON document under dataDir, replaced atomically (write temp, fsync, rename, fsync the directory)
// on every save; ids are reserved ahead in blocks, so one handed out before a crash is never reused. Table
// rows live in DuckDB (tables/table-store.ts), not here. A small document keeps restarts trivial and the
// state human-readable; saves are serialised and coalesced, so callers just mutate and `await save()`
// (or `saveSoon()` for changes that are recoverable without it).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatStorageTime } from '../protocol/storage-response.js';

export type JobStatus = 'waiting' | 'processing' | 'success' | 'error';

export interface BucketRecord {
  id: string;
  name: string;
  displayName: string;
  stage: 'in' | 'out';
  description: string;
  created: string;
}

export interface TableRecord {
  id: string;
  bucketId: string;
  name: string;
  columns: string[];
  primaryKey: string[];
  created: string;
  lastImportDate: string | null;
  lastChangeDate: string | null;
  rowsCount: number;
  dataSizeBytes: number;
}

export interface CreatorTokenRecord {
  id: string;
  description: string;
}

export interface FileRecord {
  id: number;
  name: string;
  key: string;
  created: string;
  sizeBytes: number | null;
  contentType: string;
  isPublic: boolean;
  isSliced: boolean;
  isEncrypted: boolean;
  isPermanent: boolean;
  notify: boolean;
  tags: string[];
  runId: string | null;
  runIds: string[];
  creatorToken: CreatorTokenRecord;
}

export interface JobMetrics {
  inCompressed: boolean;
  inBytes: number;
  inBytesUncompressed: number;
  outCompressed: boolean;
  outBytes: number;
  outBytesUncompressed: number;
}

export interface JobRecord {
  id: number;
  status: JobStatus;
  operationName: 'tableCreate' | 'tableImport' | 'tableExport' | 'tableDrop' | 'bucketDelete' | 'fileDelete';
  /** Public `tableId`: null for a tableCreate until it succeeds. */
  tableId: string | null;
  /** The table (or bucket, `file:<id>`) the job works on; jobs on the same target run one at a time. */
  targetTableId: string;
  operationParams: Record<string, unknown>;
  createdTime: string;
  startTime: string | null;
  endTime: string | null;
  runId: string | null;
  results: Record<string, unknown> | null;
  creatorToken: CreatorTokenRecord;
  metrics: JobMetrics;
  error?: { code: string; message: string; exceptionId: string };
}

/** Timestamps are stored already in Storage format (protocol/storage-response.ts formatStorageTime). */
export interface MetadataState {
  version: 1;
  projectCreated: string;
  /** Signs the download URLs handed out in file resources. */
  urlSigningSecret: string;
  lastFileId: number;
  lastJobId: number;
  /**
   * Ids up to these may have been handed out: every save holds a reservation above the last id,
   * and a start after a crash continues above it. A clean close lowers them to the last ids.
   */
  reservedFileId?: number;
  reservedJobId?: number;
  buckets: Record<string, BucketRecord>;
  tables: Record<string, TableRecord>;
  files: Record<string, FileRecord>;
  jobs: Record<string, JobRecord>;
  /** Table and column metadata (metadata-items.ts); absent in documents written before it existed. */
  lastMetadataId?: number;
  tableMetadata?: Record<string, MetadataItemRecord[]>;
  columnMetadata?: Record<string, Record<string, MetadataItemRecord[]>>;
}

export interface MetadataItemRecord {
  id: string;
  key: string;
  value: string;
  provider: string;
  timestamp: string;
}

export interface MetadataStore {
  /** Mutate freely, then `await save()` before answering. */
  readonly state: MetadataState;
  nextFileId(): number;
  nextJobId(): number;
  save(): Promise<void>;
  /**
   * Persists the state with the next save, or after SAVE_SOON_MS at the latest: for changes a crash
   * cannot lose anyway (a job's success committed with its data, recovered at start), so they cost
   * no fsync of their own. A failed deferred save is retried by the next save (whole document).
   */
  saveSoon(): void;
  /** The last save of a clean shutdown: releases the unused id reservations. */
  saveOnClose(): Promise<void>;
}

/** Ids reserved ahead of the last one handed out; after a crash at most this many are skipped. */
export const ID_RESERVATION_BLOCK = 100;

/** How long a `saveSoon()` change may wait for another save to carry it. */
export const SAVE_SOON_MS = 1_000;

const FILE_NAME = 'metadata.json';

export async function openMetadataStore(options: {
  dataDir: string;
  now?: () => Date;
}): Promise<MetadataStore> {
  await mkdir(options.dataDir, { recursive: true });
  const path = join(options.dataDir, FILE_NAME);
  const state = (await readState(path)) ?? createEmptyState((options.now ?? (() => new Date()))());
  // A crash may have handed out ids above the last ones saved, never above the reservation.
  state.lastFileId = Math.max(state.lastFileId, state.reservedFileId ?? 0);
  state.lastJobId = Math.max(state.lastJobId, state.reservedJobId ?? 0);
  let queued: Promise<void> | undefined;
  let tail: Promise<void> = Promise.resolve();
  let tempCounter = 0;
  let soon: NodeJS.Timeout | undefined;

  const store: MetadataStore = {
    state,
    nextFileId() {
      const id = ++state.lastFileId;
      if (id > (state.reservedFileId ?? 0)) state.reservedFileId = id + ID_RESERVATION_BLOCK;
      return id;
    },
    nextJobId() {
      const id = ++state.lastJobId;
      if (id > (state.reservedJobId ?? 0)) state.reservedJobId = id + ID_RESERVATION_BLOCK;
      return id;
    },
    saveOnClose() {
      state.reservedFileId = state.lastFileId;
      state.reservedJobId = state.lastJobId;
      return store.save();
    },
    save() {
      if (queued) return queued;
      const write = tail
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          // This write serialises everything changed so far, deferred changes included.
          clearTimeout(soon);
          soon = undefined;
          tempCounter += 1;
          return writeAtomically(path, `${path}.${process.pid}.${tempCounter}.tmp`, JSON.stringify(state));
        });
      queued = write;
      tail = write;
      return write;
    },
    saveSoon() {
      if (soon || queued) return;
      soon = setTimeout(() => {
        soon = undefined;
        store.save().catch(() => undefined);
      }, SAVE_SOON_MS);
      // A clean shutdown saves anyway (saveOnClose); a crash is what the deferral may lose.
      soon.unref();
    },
  };
  await store.save();
  return store;
}

async function readState(path: string): Promise<MetadataState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as MetadataState;
  if (parsed.version !== 1) throw new Error(`Unsupported local Storage metadata version in ${path}`);
  return withIdMaps(parsed);
}

/**
 * The id maps without a prototype: an id such as `__proto__`, `constructor` or `toString` is just a
 * missing key, never Object.prototype's property (a phantom bucket) nor a prototype assignment.
 */
function withIdMaps(state: MetadataState): MetadataState {
  const idMap = <T>(entries: Record<string, T>): Record<string, T> =>
    Object.assign(Object.create(null) as Record<string, T>, entries);
  return {
    ...state,
    buckets: idMap(state.buckets),
    tables: idMap(state.tables),
    files: idMap(state.files),
    jobs: idMap(state.jobs),
  };
}

function createEmptyState(now: Date): MetadataState {
  return withIdMaps({
    version: 1,
    projectCreated: formatStorageTime(now),
    urlSigningSecret: randomBytes(32).toString('hex'),
    lastFileId: 0,
    lastJobId: 0,
    buckets: {},
    tables: {},
    files: {},
    jobs: {},
  });
}

async function writeAtomically(path: string, tempPath: string, content: string): Promise<void> {
  const handle = await open(tempPath, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tempPath, path);
  } catch (err) {
    await rm(tempPath, { force: true });
    throw err;
  }
  // The rename itself is durable only once the directory entry is on disk.
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
