// The importer in local mode with a fault injector attached and a distinctive random token, plus
// what reliability tests read back: metrics, the process's RSS and open descriptors, S3 objects,
// and a check that no secret appears in any text the service produced.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { createFaultInjector, type FaultInjector } from '../../src/local-storage/faults/fault-injector.js';
import type { FaultPlan } from '../../src/local-storage/faults/fault-plan.js';
import type { ServiceOverrides } from '../../src/main.js';
import { type LocalService, startLocalService } from './local-service.js';

export interface ReliabilityService extends LocalService {
  faults: FaultInjector;
  /** GET /metrics as text. */
  metrics(): Promise<string>;
}

/** Retries fast enough for tests, with the production policy's shape (bounded on every axis). */
export const TEST_RETRY_POLICY = {
  retries: 5,
  minTimeoutMs: 20,
  maxTimeoutMs: 200,
  maxRetryTimeMs: 15_000,
  maxRetryAfterMs: 2_000,
  attemptTimeoutMs: 15_000,
};

export const TEST_JOB_SEARCH = { attempts: 3, delayMs: 100, listLimit: 100 };

export async function startReliabilityService(
  env: Record<string, string> = {},
  options: { faults?: Partial<FaultPlan>; overrides?: ServiceOverrides } = {},
): Promise<ReliabilityService> {
  const faults = createFaultInjector(options.faults);
  const service = await startLocalService(
    { LOCAL_STORAGE_TOKEN: `tok-${randomBytes(18).toString('hex')}`, ...env },
    {
      retryPolicy: TEST_RETRY_POLICY,
      jobSearch: TEST_JOB_SEARCH,
      localFaults: faults,
      ...options.overrides,
    },
  );
  return {
    ...service,
    faults,
    metrics: async () => (await fetch(`${service.url}/metrics`)).text(),
  };
}

/** Sum of a Prometheus counter's samples whose labels include all of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Every sample of a counter, keyed by its label set, e.g. `{endpoint="jobs/detail"}` → 3. */
export function metricSamples(text: string, name: string): Record<string, number> {
  const samples: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = line.slice(name.length, line.lastIndexOf(' '));
    samples[labels] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return samples;
}

export interface ProcessResources {
  rssBytes: number;
  openFds: number;
}

/** This process's RSS and open file descriptors: the service runs in-process. */
export async function readProcessResources(): Promise<ProcessResources> {
  return { rssBytes: process.memoryUsage.rss(), openFds: (await readdir('/proc/self/fd')).length };
}

/** A full garbage collection, so RSS reflects what is still referenced (exposes gc at run time). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Polls until the process's open descriptors are back within `slackFds` of `baseline`. */
export async function settleResources(
  baseline: ProcessResources,
  slackFds: number,
  timeoutMs = 5_000,
): Promise<ProcessResources> {
  const deadline = Date.now() + timeoutMs;
  let now = await readProcessResources();
  while (now.openFds > baseline.openFds + slackFds && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = await readProcessResources();
  }
  return now;
}

/** Fails naming the secret kind (never printing the secret) when any text contains one. */
export function expectNoSecrets(texts: Iterable<string>, secrets: Record<string, string>): void {
  const leaks: string[] = [];
  for (const text of texts) {
    for (const [kind, secret] of Object.entries(secrets)) {
      if (secret.length >= 8 && text.includes(secret)) leaks.push(`${kind} in: ${text.slice(0, 120)}`);
    }
  }
  expect(leaks).toEqual([]);
}

/** Whether the Storage file's object was ever completed in the embedded S3 (via the stand-in's download link). */
export async function fileObjectExists(service: LocalService, fileId: number): Promise<boolean> {
  const detail = await service.storage(`files/${fileId}`);
  if (detail.status !== 200) throw new Error(`files/${fileId}: ${detail.status}`);
  const { url } = (await detail.json()) as { url: string };
  const download = await fetch(url);
  await download.body?.cancel();
  if (download.status === 200) return true;
  if (download.status === 404) return false;
  throw new Error(`download of file ${fileId}: ${download.status}`);
}

/** Storage files the importer prepared (tag table-importer), newest first. */
export async function listImporterFiles(service: LocalService): Promise<Array<{ id: number; name: string }>> {
  const response = await service.storage('files?tags[]=table-importer&limit=1000');
  return (await response.json()) as Array<{ id: number; name: string }>;
}
