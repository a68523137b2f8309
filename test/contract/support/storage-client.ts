// A deliberately plain Storage API client for the contract suite: raw requests (JSON, urlencoded,
// multipart, no body) and the multi-step flows every area needs — prepare + upload to S3 exactly
// like a real client, create a table, import, wait for a job, read rows back via data-preview.
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { StorageTarget } from './storage-target.js';

/** Response bodies are asserted field by field, so they stay untyped. */
// biome-ignore lint/suspicious/noExplicitAny: contract tests read arbitrary Storage JSON field by field
export type Json = any;

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

export interface RequestOptions {
  json?: unknown;
  form?: [string, string][];
  multipart?: [string, string][];
  /** `null` sends no token header at all. */
  token?: string | null;
  headers?: Record<string, string>;
}

export type ContractClient = ReturnType<typeof createContractClient>;

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function createContractClient(target: StorageTarget) {
  const request = async (
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? target.token : options.token;
    if (token !== null) headers['X-StorageApi-Token'] = token;
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.multipart) {
      const form = new FormData();
      for (const [key, value] of options.multipart) form.append(key, value);
      body = form;
    }
    const url = /^https?:\/\//.test(path) ? path : `${target.apiUrl}/${path}`;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: Json = text;
    if (response.headers.get('content-type')?.startsWith('application/json')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, text, body: parsed };
  };

  const expectStatus = (response: ApiResponse, status: number): Json => {
    expect(response.status, response.text).toBe(status);
    return response.body;
  };

  const client = {
    request,
    get: (path: string, options?: RequestOptions) => request('GET', path, options),
    post: (path: string, options?: RequestOptions) => request('POST', path, options),

    async createBucket(prefix = 'contract', scope = ''): Promise<Json> {
      const name = uniqueName(prefix);
      const bucket = expectStatus(
        await request('POST', `${scope}buckets`, { json: { name, stage: 'in' } }),
        201,
      );
      target.trackBucket(bucket.id);
      return bucket;
    },

    async prepareFile(name: string, params: Record<string, unknown> = {}, scope = ''): Promise<Json> {
      const body = { name, federationToken: true, tags: ['contract-test'], ...params };
      return expectStatus(await request('POST', `${scope}files/prepare`, { json: body }), 201);
    },

    /** Uploads with the prepare response's credentials, region, bucket, key, ACL and SSE — as clients do. */
    async uploadToPrepared(prepared: Json, content: string | Uint8Array): Promise<void> {
      const { credentials } = prepared.uploadParams;
      const s3 = new S3Client({
        region: prepared.region,
        credentials: {
          accessKeyId: credentials.AccessKeyId,
          secretAccessKey: credentials.SecretAccessKey,
          sessionToken: credentials.SessionToken,
        },
        ...(target.isLocal
          ? {
              endpoint: target.s3Endpoint,
              forcePathStyle: true,
              requestChecksumCalculation: 'WHEN_REQUIRED' as const,
              responseChecksumValidation: 'WHEN_REQUIRED' as const,
            }
          : {}),
      });
      try {
        const sse = prepared.uploadParams['x-amz-server-side-encryption'];
        await s3.send(
          new PutObjectCommand({
            Bucket: prepared.uploadParams.bucket,
            Key: prepared.uploadParams.key,
            Body: typeof content === 'string' ? Buffer.from(content) : content,
            ContentLength: typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength,
            ACL: prepared.uploadParams.acl,
            ContentDisposition: `attachment; filename=${prepared.name};`,
            ...(sse ? { ServerSideEncryption: sse } : {}),
          }),
        );
      } finally {
        s3.destroy();
      }
    },

    async uploadFile(name: string, content: string | Uint8Array, params: Record<string, unknown> = {}) {
      const prepared = await client.prepareFile(name, params);
      await client.uploadToPrepared(prepared, content);
      return prepared as Json;
    },

    /** Polls the job's own absolute `url` until it is final. */
    async waitForJob(job: Json, timeoutMs = target.isLocal ? 30_000 : 300_000): Promise<Json> {
      const deadline = Date.now() + timeoutMs;
      let current = job;
      while (current.status !== 'success' && current.status !== 'error') {
        if (Date.now() > deadline) throw new Error(`job ${job.id} not finished: ${JSON.stringify(current)}`);
        await new Promise((resolve) => setTimeout(resolve, target.isLocal ? 25 : 1000));
        current = expectStatus(await request('GET', job.url), 200);
      }
      return current;
    },

    async startTableCreate(
      bucketId: string,
      name: string,
      csv: string,
      params: Record<string, unknown> = {},
    ) {
      const file = await client.uploadFile(`${name}.csv`, csv);
      const response = await request('POST', `buckets/${bucketId}/tables-async`, {
        json: { name, dataFileId: file.id, ...params },
      });
      return expectStatus(response, 202);
    },

    /** Creates a table and expects the job to succeed; returns the table detail. */
    async createTable(bucketId: string, name: string, csv: string, params: Record<string, unknown> = {}) {
      const job = await client.waitForJob(await client.startTableCreate(bucketId, name, csv, params));
      expect(job.status, JSON.stringify(job.error)).toBe('success');
      return expectStatus(await request('GET', `tables/${job.tableId}`), 200);
    },

    async startImport(
      tableId: string,
      csv: string,
      params: Record<string, unknown> = {},
      fileName = 'data.csv',
    ) {
      const file = await client.uploadFile(fileName, csv);
      const response = await request('POST', `tables/${tableId}/import-async`, {
        json: { dataFileId: file.id, ...params },
      });
      return expectStatus(response, 202);
    },

    async importCsv(tableId: string, csv: string, params: Record<string, unknown> = {}) {
      return client.waitForJob(await client.startImport(tableId, csv, params));
    },

    /** Header + rows via data-preview (json), rows sorted because Storage guarantees no order. */
    async readRows(tableId: string): Promise<{ columns: string[]; rows: string[][] }> {
      const body = expectStatus(
        await request('GET', `tables/${tableId}/data-preview?format=json&limit=1000`),
        200,
      );
      const rows: string[][] = body.rows.map((row: Json[]) => row.map((cell) => cell.value));
      return {
        columns: body.columns,
        rows: rows.sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000'))),
      };
    },

    expectStatus,

    /**
     * The contract leaves open whether some rejections are a 400 or a failed job (§2.3); the
     * stand-in's choice (`local`) is asserted exactly, a real stack may answer either way.
     */
    async expectRejection(response: ApiResponse, code: string, local: 'sync' | 'job'): Promise<Json> {
      if (target.isLocal) expect(response.status, response.text).toBe(local === 'sync' ? 400 : 202);
      if (response.status !== 202) {
        expectStorageError(response, 400, code);
        return undefined;
      }
      const job = await client.waitForJob(response.body);
      expect(job.status).toBe('error');
      expect(job.error.code).toBe(code);
      expect(typeof job.error.exceptionId).toBe('string');
      return job;
    },
  };
  return client;
}

/** The Storage error body: message, code, exceptionId (and on the stand-in, `status: 'error'`). */
export function expectStorageError(
  response: ApiResponse,
  status: number,
  code: string,
  message?: string | RegExp,
): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.code).toBe(code);
  expect(typeof response.body.exceptionId).toBe('string');
  if (typeof message === 'string') expect(response.body.error).toBe(message);
  else if (message) expect(response.body.error).toMatch(message);
}

/** ISO-8601 with an offset, like `2026-11-25T15:09:00+0000` or `…+01:00`. */
export const STORAGE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)$/;
