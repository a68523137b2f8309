// The HTTP side of a replay found before the body is read: answers with the earlier request's
// outcome and Idempotent-Replayed: true, without an upload slot, and closes the connection when
// the retried body was not read (reading it only to throw it away would cost the whole upload).
import type { Context } from 'hono';
import type { Collaborators } from '../../../collaborators.js';
import type { AppEnv } from '../../../http/app-env.js';
import { importerUrl } from '../../../http/importer-url.js';
import { renderWriteTableOutcome } from '../../../results/write-table-result.js';
import type { ImporterSettings } from '../../../settings.js';
import { DEFAULT_IDEMPOTENCY } from './decide-keyed-import.js';
import type { IdempotencyKey } from './idempotency-key.js';
import { findReplay, replayOutcome } from './replay-before-upload.js';

export interface ServeReplayDeps extends Pick<Collaborators, 'storage' | 'metrics' | 'drainDeadline'> {
  settings: Pick<
    ImporterSettings,
    'jobPoll' | 'jobSearch' | 'defaultWaitSeconds' | 'maxWaitSeconds' | 'idempotency' | 'publicUrl'
  >;
}

export async function answerReplayBeforeUpload(
  c: Context<AppEnv>,
  deps: ServeReplayDeps,
  request: { token: string; key: IdempotencyKey; query: URLSearchParams; respondAsync: boolean },
): Promise<Response | undefined> {
  const { query } = request;
  const signal = c.req.raw.signal;
  const markReplayed = () => {
    c.header('Idempotent-Replayed', 'true');
    const incoming = c.env?.incoming;
    if (incoming && !incoming.readableEnded) c.header('Connection', 'close');
    deps.metrics.idempotentReplays.inc({ stage: 'before-upload' });
  };
  const session = deps.storage.session({ token: request.token, runId: c.req.header('x-kbc-runid'), signal });
  const tableId = query.get('tableId') ?? undefined;
  const found = await findReplay(session, {
    key: request.key.value,
    tableId,
    branchId: query.get('branchId') || undefined,
    jobListLimit: (deps.settings.idempotency ?? DEFAULT_IDEMPOTENCY).jobListLimit,
  });
  if (!found) return undefined;
  const replay = await replayOutcome(
    session,
    found,
    {
      jobPoll: deps.settings.jobPoll,
      budgetMs: request.respondAsync ? 0 : waitSeconds(query.get('wait'), deps.settings) * 1000,
      signal,
      stopWaiting: deps.drainDeadline,
    },
    tableId,
  );
  if (!replay) return undefined;
  markReplayed();
  const facts = c.get('facts');
  facts.jobId = replay.job.id;
  facts.outcome = `replayed ${replay.job.status}`;
  // A failed job throws its error here, as the first answer did.
  const rendered = renderWriteTableOutcome(replay);
  if (rendered.status === 202)
    c.header('Location', importerUrl(deps.settings.publicUrl, `/jobs/${replay.job.id}`));
  return c.json(rendered.body, rendered.status);
}

/** The `wait` field as the field collector reads it; anything it would refuse means the default. */
function waitSeconds(value: string | null, limits: ServeReplayDeps['settings']): number {
  if (value === null || !/^\d{1,6}$/.test(value) || Number(value) > limits.maxWaitSeconds) {
    return limits.defaultWaitSeconds;
  }
  return Number(value);
}
