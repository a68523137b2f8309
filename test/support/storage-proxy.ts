// An HTTP proxy in front of a Storage API that lets a test see, and rewrite, chosen answers: jobs
// held `processing` forever, the S3 credentials files/prepare hands out recorded, or chosen
// requests answered by the proxy itself. Everything else streams through unchanged; S3 traffic
// does not go through it.
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface StorageProxy {
  url: string;
  close(): Promise<void>;
}

export interface StorageIntercept {
  /**
   * Answers a request itself, at once and without asking Storage (`path` without the query), or
   * undefined to forward it.
   */
  respond?(request: { method: string; path: string }): { status: number; json: unknown } | undefined;
  /** Which forwarded requests' answers to read whole and show to `answer`. */
  matches?(request: { method: string; path: string }): boolean;
  /**
   * Sees a whole answer (`json` undefined when the body is not JSON); returns a body to send
   * instead with the same status, or undefined to pass the answer on as it came.
   */
  answer?(answer: { status: number; json: unknown }): Record<string, unknown> | undefined;
}

export async function startStorageProxy(
  targetUrl: string,
  intercept: StorageIntercept,
): Promise<StorageProxy> {
  const target = new URL(targetUrl);
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const method = incoming.method ?? 'GET';
    const seen = { method, path: path.split('?')[0] ?? '' };
    const sendJson = (status: number, json: unknown) => {
      const text = JSON.stringify(json);
      outgoing.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      outgoing.end(text);
    };
    const own = intercept.respond?.(seen);
    if (own) {
      incoming.resume();
      sendJson(own.status, own.json);
      return;
    }
    const forward = async (answer: IncomingMessage) => {
      const status = answer.statusCode ?? 502;
      if (!intercept.answer || !intercept.matches?.(seen)) {
        outgoing.writeHead(status, answer.headers);
        await pipeline(answer, outgoing).catch(() => {});
        return;
      }
      const body = await readAll(answer);
      const replacement = intercept.answer({ status, json: parseJson(body) });
      if (replacement === undefined) {
        outgoing.writeHead(status, answer.headers);
        outgoing.end(body);
        return;
      }
      sendJson(status, replacement);
    };
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => void forward(answer).catch(() => outgoing.destroy()),
    );
    upstream.on('error', () => outgoing.destroy());
    pipeline(incoming, upstream).catch(() => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface JobHoldingProxy extends StorageProxy {
  /** GET jobs/{id} answers served so far (each rewritten to `processing`). */
  readonly jobPolls: number;
  /** From now on jobs are reported as Storage reports them. */
  release(): void;
}

const JOB_PATH = /^\/v2\/storage\/(branch\/[^/]+\/)?jobs\/\d+$/;

/** Every job Storage reports (GET jobs/{id}, 200) is answered as still `processing`, until release(). */
export async function startJobHoldingProxy(targetUrl: string): Promise<JobHoldingProxy> {
  let jobPolls = 0;
  let holding = true;
  const proxy = await startStorageProxy(targetUrl, {
    matches: ({ method, path }) => method === 'GET' && JOB_PATH.test(path),
    answer: ({ status, json: job }) => {
      if (!holding || status !== 200 || !isObject(job)) return undefined;
      jobPolls += 1;
      return { ...job, status: 'processing', results: null, endTime: null };
    },
  });
  return {
    ...proxy,
    get jobPolls() {
      return jobPolls;
    },
    release() {
      holding = false;
    },
  };
}

export interface S3Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

export interface RecordingProxy extends StorageProxy {
  /** Credentials from every files/prepare answer so far. */
  readonly credentials: S3Credentials[];
}

/** Records the S3 credentials of every files/prepare answer, so a test knows which secrets must never show up. */
export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const credentials: S3Credentials[] = [];
  const proxy = await startStorageProxy(targetUrl, {
    matches: ({ path }) => path.endsWith('/files/prepare'),
    answer: ({ json }) => {
      // Not JSON (an injected fault): nothing handed out.
      const handedOut =
        isObject(json) && isObject(json.uploadParams) ? json.uploadParams.credentials : undefined;
      if (handedOut) credentials.push(handedOut as S3Credentials);
      return undefined;
    },
  });
  return { ...proxy, credentials };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
