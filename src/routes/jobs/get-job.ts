// GET /jobs/{id}: a Storage job looked up with the caller's token and rendered like a write-table
// answer — 200 with the import figures, 202 (with Location) while it runs, 400 with Storage's code
// when it failed; Storage's 404 code is relayed. The job's file is described best effort.
import type { Context } from 'hono';
import type { AppEnv } from '../../http/app-env.js';
import { importerUrl } from '../../http/importer-url.js';
import { readStorageToken } from '../../http/request-token.js';
import { renderWriteTableOutcome, type WriteTableOutcome } from '../../results/write-table-result.js';
import type { StorageClient, StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface GetJobDeps {
  storage: StorageClient;
  /** PUBLIC_URL: the base of absolute Location headers; undefined = relative ones. */
  publicUrl?: string | undefined;
}

export function createGetJobHandler(deps: GetJobDeps) {
  return async (c: Context<AppEnv>) => {
    const token = readStorageToken((name) => c.req.header(name), new URL(c.req.url).searchParams);
    const session = deps.storage.session({
      token,
      runId: c.req.header('x-kbc-runid'),
      signal: c.req.raw.signal,
    });
    const job = await session.getJob(Number(c.req.param('jobId')));
    const facts = c.get('facts');
    facts.jobId = job.id;
    facts.outcome = job.status;
    const rendered = renderWriteTableOutcome({
      tableId: tableIdOf(job),
      tableCreated: job.operationName === 'tableCreate',
      incremental: Boolean(paramsOf(job).incremental),
      file: await describeFile(session, job),
      job,
    });
    if (rendered.status === 202) c.header('Location', importerUrl(deps.publicUrl, `/jobs/${job.id}`));
    return c.json(rendered.body, rendered.status);
  };
}

function paramsOf(job: StorageJob): Record<string, unknown> {
  const params = job.operationParams?.params;
  return params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
}

function tableIdOf(job: StorageJob): string | null {
  if (job.tableId) return job.tableId;
  const results = job.results && !Array.isArray(job.results) ? job.results : {};
  return typeof results.id === 'string' ? results.id : null;
}

async function describeFile(
  session: Pick<StorageSession, 'getFile'>,
  job: StorageJob,
): Promise<WriteTableOutcome['file']> {
  const fileId = job.operationParams?.source?.fileId;
  if (typeof fileId !== 'number') return undefined;
  try {
    const file = await session.getFile(fileId);
    return {
      id: file.id,
      name: file.name,
      ...(typeof file.sizeBytes === 'number' ? { sizeBytes: file.sizeBytes } : {}),
      compressed: file.name.endsWith('.gz'),
    };
  } catch {
    // Files expire (15 days) before their jobs do; the job is still worth answering.
    return { id: fileId };
  }
}
