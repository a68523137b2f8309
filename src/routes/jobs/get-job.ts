// GET /jobs/{id}: a Storage job looked up with the caller's token and rendered like a write-table
// answer — 200 with the import figures, 202 (with Location) while it runs, 400 with Storage's code
// when it failed; Storage's 404 code is relayed. The job's file is described best effort.
import type { Context } from 'hono';
import type { Collaborators } from '../../collaborators.js';
import type { AppEnv } from '../../http/app-env.js';
import { callerSession } from '../../http/caller-session.js';
import { importerUrl } from '../../http/importer-url.js';
import { renderWriteTableOutcome, type WriteTableOutcome } from '../../results/write-table-result.js';
import type { ImporterSettings } from '../../settings.js';
import { jobParams, jobSourceFileId, jobTableId } from '../../storage-api/job-facts.js';
import type { StorageSession } from '../../storage-api/storage-client.js';
import type { StorageJob } from '../../storage-api/storage-types.js';

export interface GetJobDeps extends Pick<Collaborators, 'storage'> {
  settings: Pick<ImporterSettings, 'publicUrl'>;
}

export function createGetJobHandler(deps: GetJobDeps) {
  return async (c: Context<AppEnv>) => {
    const session = callerSession(c, deps.storage);
    const job = await session.getJob(Number(c.req.param('jobId')));
    const facts = c.get('facts');
    facts.jobId = job.id;
    facts.outcome = job.status;
    const rendered = renderWriteTableOutcome({
      tableId: jobTableId(job),
      tableCreated: job.operationName === 'tableCreate',
      incremental: Boolean(jobParams(job).incremental),
      file: await describeFile(session, job),
      job,
    });
    if (rendered.status === 202)
      c.header('Location', importerUrl(deps.settings.publicUrl, `/jobs/${job.id}`));
    return c.json(rendered.body, rendered.status);
  };
}

async function describeFile(
  session: Pick<StorageSession, 'getFile'>,
  job: StorageJob,
): Promise<WriteTableOutcome['file']> {
  const fileId = jobSourceFileId(job);
  if (fileId === undefined) return undefined;
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
