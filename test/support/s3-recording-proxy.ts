// A loopback proxy in front of the embedded S3 that records every S3 request (kind, part, upload
// id, when it ended), counts UploadParts in flight, and can hold parts or CreateMultipartUploads,
// fail chosen parts with an S3 500, or answer AbortMultipartUpload itself (s3rver has none: 405).
import { once } from 'node:events';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export type S3RequestKind = 'put' | 'create' | 'part' | 'complete' | 'abort' | 'other';

export interface RecordedS3Request {
  kind: S3RequestKind;
  partNumber: number | undefined;
  uploadId: string | undefined;
  /** Order of arrival and of the request's end (answered or cut off by the client), one clock. */
  startedAt: number;
  endedAt: number | undefined;
  status: number | undefined;
}

export interface S3RecordingProxy {
  url: string;
  requests: RecordedS3Request[];
  /** The most UploadParts in flight at once, and now. */
  maxPartsInFlight(): number;
  partsInFlight(): number;
  /** Answers matching parts 500 (S3 InternalError) after reading their body. */
  failParts(which: (partNumber: number, attempt: number) => boolean): void;
  /** Holds every UploadPart until `release` is called; resolves `held(n)` once n are held. */
  holdParts(): void;
  releaseParts(): void;
  held(count: number): Promise<void>;
  /** Holds every CreateMultipartUpload (before S3 sees it) until `releaseCreates`; `createHeld` resolves once one is. */
  holdCreates(): void;
  releaseCreates(): void;
  createHeld(): Promise<void>;
  /** true (default): AbortMultipartUpload answered 204 here; false: forwarded (s3rver: 405). */
  answerAbort(answer: boolean): void;
  close(): Promise<void>;
}

export async function startS3RecordingProxy(upstreamUrl: string): Promise<S3RecordingProxy> {
  const upstream = new URL(upstreamUrl);
  const agent = new Agent({ keepAlive: true });
  const requests: RecordedS3Request[] = [];
  const attempts = new Map<string, number>();
  let clock = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let failing: (partNumber: number, attempt: number) => boolean = () => false;
  let holding = false;
  let waiting: Array<() => void> = [];
  let heldWatchers: Array<{ count: number; resolve: () => void }> = [];
  let abortHere = true;
  let holdingCreates = false;
  let createsWaiting: Array<() => void> = [];
  let createWatchers: Array<() => void> = [];

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const query = new URL(incoming.url ?? '/', 'http://s3.local').searchParams;
    const partNumber = query.has('partNumber') ? Number(query.get('partNumber')) : undefined;
    const kind = classify(incoming.method ?? 'GET', query);
    const record: RecordedS3Request = {
      kind,
      partNumber,
      uploadId: query.get('uploadId') ?? undefined,
      startedAt: ++clock,
      endedAt: undefined,
      status: undefined,
    };
    requests.push(record);
    if (kind === 'part') {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
    }
    response.once('close', () => {
      record.endedAt = ++clock;
      record.status = response.headersSent ? response.statusCode : undefined;
      if (kind === 'part') inFlight -= 1;
    });
    if (kind === 'part' && holding) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        heldWatchers = heldWatchers.filter((watcher) => {
          if (waiting.length < watcher.count) return true;
          watcher.resolve();
          return false;
        });
      });
      if (response.destroyed) return;
    }
    if (kind === 'create' && holdingCreates) {
      await new Promise<void>((resolve) => {
        createsWaiting.push(resolve);
        for (const watcher of createWatchers) watcher();
        createWatchers = [];
      });
      if (response.destroyed) return;
    }
    const key = `${record.uploadId}:${partNumber}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (kind === 'part' && partNumber !== undefined && failing(partNumber, attempt)) {
      incoming.resume();
      await once(incoming, 'end').catch(() => {});
      sendXml(response, 500, '<Error><Code>InternalError</Code><Message>injected</Message></Error>');
      return;
    }
    if (kind === 'abort' && abortHere) {
      incoming.resume();
      response.writeHead(204);
      response.end();
      return;
    }
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        // SigV4 signed the Host the client sent: the embedded S3's gate checks it.
        headers: { ...incoming.headers },
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, response).catch(() => response.destroy());
      },
    );
    outgoing.once('error', () => response.destroy());
    response.once('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    pipeline(incoming, outgoing).catch(() => outgoing.destroy());
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    maxPartsInFlight: () => maxInFlight,
    partsInFlight: () => inFlight,
    failParts(which) {
      failing = which;
    },
    holdParts() {
      holding = true;
    },
    releaseParts() {
      holding = false;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    held: (count) =>
      new Promise<void>((resolve) => {
        if (waiting.length >= count) resolve();
        else heldWatchers.push({ count, resolve });
      }),
    holdCreates() {
      holdingCreates = true;
    },
    releaseCreates() {
      holdingCreates = false;
      for (const resolve of createsWaiting) resolve();
      createsWaiting = [];
    },
    createHeld: () =>
      new Promise<void>((resolve) => {
        if (createsWaiting.length > 0) resolve();
        else createWatchers.push(resolve);
      }),
    answerAbort(answer) {
      abortHere = answer;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

function classify(method: string, query: URLSearchParams): S3RequestKind {
  if (method === 'PUT' && query.has('partNumber') && query.has('uploadId')) return 'part';
  if (method === 'PUT') return 'put';
  if (method === 'POST' && query.has('uploads')) return 'create';
  if (method === 'POST' && query.has('uploadId')) return 'complete';
  if (method === 'DELETE' && query.has('uploadId')) return 'abort';
  return 'other';
}

function sendXml(response: ServerResponse, status: number, body: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  response.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
  response.end(xml);
}
