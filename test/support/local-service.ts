// Starts the whole importer in local mode in-process (port 0, fresh data dir), like `npm start`
// does, plus small helpers to read back what landed in the stand-in. Logs are captured so tests
// can assert on them (and on secrets never appearing in them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type ServiceOverrides, startService } from '../../src/main.js';

export interface LocalService {
  url: string;
  token: string;
  dataDir: string;
  logs: string[];
  storage(path: string, init?: RequestInit): Promise<Response>;
  previewRows(tableId: string, branchId?: string): Promise<string[][]>;
  getTable(tableId: string): Promise<Record<string, unknown> & { columns: string[]; rowsCount: number }>;
  listJobs(): Promise<
    Array<{ id: number; operationName: string; status: string; operationParams?: unknown }>
  >;
  close(): Promise<void>;
}

export const FAST_POLL = { firstPollDelayMs: 10, maxPollDelayMs: 100 };

export async function startLocalService(
  env: Record<string, string> = {},
  overrides: ServiceOverrides = {},
): Promise<LocalService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'table-importer-'));
  const config = loadConfig({
    PORT: '0',
    LOCAL_S3_PORT: '0',
    LOCAL_STORAGE_DIR: dataDir,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const service = await startService(config, createLogger(config.logLevel, sink), {
    jobPoll: FAST_POLL,
    ...overrides,
  });
  const token = config.localStorageToken;
  const storage = (path: string, init: RequestInit = {}) =>
    fetch(`${service.url}/v2/storage/${path}`, {
      ...init,
      headers: { 'X-StorageApi-Token': token, ...(init.headers as Record<string, string> | undefined) },
    });
  return {
    url: service.url,
    token,
    dataDir,
    logs,
    storage,
    async previewRows(tableId, branchId) {
      const scope = branchId ? `branch/${branchId}/` : '';
      const response = await storage(`${scope}tables/${tableId}/data-preview?format=json&limit=1000`);
      if (response.status !== 200)
        throw new Error(`data-preview ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { columns: string[]; rows: Array<Array<{ value: string }>> };
      return [body.columns, ...body.rows.map((row) => row.map((cell) => cell.value))];
    },
    async getTable(tableId) {
      const response = await storage(`tables/${tableId}`);
      if (response.status !== 200)
        throw new Error(`tables/${tableId} ${response.status}: ${await response.text()}`);
      return (await response.json()) as Record<string, unknown> & { columns: string[]; rowsCount: number };
    },
    async listJobs() {
      const response = await storage('jobs?limit=1000');
      return (await response.json()) as Array<{ id: number; operationName: string; status: string }>;
    },
    async close() {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows sorted for order-independent comparison (Storage guarantees no row order); header first. */
export function sortedRows(rows: string[][]): string[][] {
  const [header, ...data] = rows;
  return [header ?? [], ...data.sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000')))];
}
