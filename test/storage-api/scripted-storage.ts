// A stand-in for Storage that answers from a script, one entry per request (the last entry
// repeats), and records what it received. For client tests whose answers the real stand-in never
// gives: unreadable 2xx bodies, Retry-After, requests that never get an answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RetryPolicy } from '../../src/storage-api/retry-policy.js';
import { createStorageClient, type StorageSession } from '../../src/storage-api/storage-client.js';

export type ScriptedAnswer =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answer (the socket is closed when the server stops). */
  | 'hang';

export interface ReceivedRequest {
  method: string;
  path: string;
  /** performance.now() when the request arrived. */
  atMs: number;
}

export interface ScriptedStorage {
  url: string;
  readonly requests: ReceivedRequest[];
  /** Calls counted by the client's onCall / onRetry hooks. */
  readonly calls: Array<[string, number | 'network']>;
  readonly retries: string[];
  session(policy: RetryPolicy, signal?: AbortSignal): StorageSession;
  close(): Promise<void>;
}

export const json = (
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): ScriptedAnswer => ({
  status,
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json', ...headers },
});

export async function startScriptedStorage(script: ScriptedAnswer[]): Promise<ScriptedStorage> {
  const requests: ReceivedRequest[] = [];
  const calls: Array<[string, number | 'network']> = [];
  const retries: string[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    requests.push({ method: incoming.method ?? '', path: incoming.url ?? '', atMs: performance.now() });
    const answer = script[Math.min(requests.length, script.length) - 1] ?? 'hang';
    incoming.resume();
    if (answer === 'hang') return;
    outgoing.writeHead(answer.status, answer.headers ?? {});
    outgoing.end(answer.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    calls,
    retries,
    session(policy, signal = new AbortController().signal) {
      const client = createStorageClient({
        baseUrl: url,
        retryPolicy: policy,
        onCall: (endpoint, status) => calls.push([endpoint, status]),
        onRetry: (endpoint) => retries.push(endpoint),
      });
      return client.session({ token: 'scripted-token', signal });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
