// What the upload phase of write-table needs and hands on, whichever body it reads (CSV in
// upload-csv-body.ts, JSON in json/): the job phase in write-table.ts starts exactly one job from it.
import type { IncomingMessage } from 'node:http';
import type { Collaborators } from '../../collaborators.js';
import type { RequestFacts } from '../../http/app-env.js';
import type { BodyAdmission } from '../../ingest/receive-body.js';
import type { ImporterWarning } from '../../results/warnings.js';
import type { UploadedFile } from '../../results/write-table-result.js';
import type { ImporterSettings } from '../../settings.js';
import type { StorageTable } from '../../storage-api/storage-types.js';
import type { KeyedWrite } from './idempotency/keyed-write.js';
import type { WriteTableOptions } from './write-table-fields.js';

/** What the upload phase of either body kind needs. */
export interface TableUploadDeps
  extends Pick<Collaborators, 'storage' | 'fileStores' | 'metrics' | 'logger' | 'drainDeadline'> {
  settings: Pick<
    ImporterSettings,
    'maxFileBytes' | 'idleTimeoutMs' | 'defaultWaitSeconds' | 'maxWaitSeconds'
  >;
}

export interface TableUploadRequest extends BodyAdmission {
  token: string;
  incoming: IncomingMessage;
  query: URLSearchParams;
  runId: string | undefined;
  clientSignal: AbortSignal;
  facts: RequestFacts;
  /** files/prepare calls of this request, so a refused request can delete what they created. */
  prepares?: Array<Promise<{ id: number }>>;
  /** With an idempotency key: tags for files/prepare and the body digest (idempotency/). */
  keyed?: KeyedWrite;
}

/** The upload phase's result: what the job phase needs to start exactly one job. */
export interface UploadedTableData {
  uploaded: UploadedFile;
  uploadMs: number;
  options: WriteTableOptions;
  existing: StorageTable | null;
  /** The importer's own warnings so far (a detected delimiter, …). */
  warnings?: ImporterWarning[];
  /** CSV bodies: the delimiter the import uses (sent or detected). */
  delimiter?: string;
}
