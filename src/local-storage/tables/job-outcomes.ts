// Job outcomes written into DuckDB inside the same transaction as the job's rows, so a crash between
// DuckDB's COMMIT and the metadata save cannot leave a job "interrupted" whose data is in. Start-up
// recovery reads them for jobs metadata still shows unfinished, then clears the table.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from './duckdb-sql.js';

/** A schema of its own: Storage tables live in `main`, so no table id can collide with it. */
const TABLE = 'standin_internal.job_outcomes';

/** What the job that runs a load asks to be recorded with its data. */
export interface JobCommitMarker {
  jobId: number;
  /** Whatever the job needs to rebuild its answer (e.g. the request origin). */
  context: Record<string, unknown>;
}

export interface CommittedJobOutcome {
  jobId: number;
  context: Record<string, unknown>;
  /** What the load returned (columns, statistics…). */
  result: Record<string, unknown>;
  /** ISO time of the commit. */
  committedAt: string;
}

export async function ensureJobOutcomesTable(connection: DuckDBConnection): Promise<void> {
  await connection.run('CREATE SCHEMA IF NOT EXISTS standin_internal');
  await connection.run(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (job_id BIGINT PRIMARY KEY, outcome VARCHAR NOT NULL)`,
  );
}

/** Inside the load's transaction, just before COMMIT. */
export async function recordJobOutcome(
  connection: DuckDBConnection,
  marker: JobCommitMarker,
  result: Record<string, unknown>,
): Promise<void> {
  const outcome: CommittedJobOutcome = {
    jobId: marker.jobId,
    context: marker.context,
    result,
    committedAt: new Date().toISOString(),
  };
  if (!Number.isSafeInteger(marker.jobId)) throw new Error(`Invalid job id ${marker.jobId}`);
  await connection.run(
    `INSERT OR REPLACE INTO ${TABLE} VALUES (${marker.jobId}, ${quoteLiteral(JSON.stringify(outcome))})`,
  );
}

export async function readJobOutcomes(
  connection: DuckDBConnection,
  jobIds: readonly number[],
): Promise<Map<number, CommittedJobOutcome>> {
  const outcomes = new Map<number, CommittedJobOutcome>();
  const ids = jobIds.filter((id) => Number.isSafeInteger(id));
  if (ids.length === 0) return outcomes;
  const reader = await connection.runAndReadAll(
    `SELECT job_id, outcome FROM ${TABLE} WHERE job_id IN (${ids.join(', ')})`,
  );
  for (const [jobId, outcome] of reader.getRows()) {
    outcomes.set(Number(jobId), JSON.parse(String(outcome)) as CommittedJobOutcome);
  }
  return outcomes;
}

export async function clearJobOutcomes(connection: DuckDBConnection): Promise<void> {
  await connection.run(`DELETE FROM ${TABLE}`);
}
