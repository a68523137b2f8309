// A loopback HTTP proxy in front of the embedded S3 that injects faults into client uploads
// (UploadPart, PutObject, …): S3-style 5xx answers, connection resets before or after the request
// reached S3, added latency. The stand-in advertises it as the S3 endpoint while faults are on.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import type { FaultInjector } from './fault-injector.js';
import type { FailureKind, S3Target } from './fault-plan.js';

export interface S3FaultProxy {
  url: string;
  close(): Promise<void>;
}

function classifyS3Request(method: string, url: string): S3Target {
  const query = new URL(url, 'http://s3.local').searchParams;
  if (method === 'PUT' && query.has('partNumber') && query.has('uploadId')) return 's3-part';
  if (method === 'PUT') return 's3-put';
  if (method === 'POST' && query.has('uploads')) return 's3-create';
  if (method === 'POST' && query.has('uploadId')) return 's3-complete';
  if (method === 'DELETE' && query.has('uploadId')) return 's3-abort';
  return 's3-other';
}

export async function startS3FaultProxy(options: {
  upstreamUrl: string;
  host: string;
  injector: FaultInjector;
  logger?: Logger;
}): Promise<S3FaultProxy> {
  const upstream = new URL(options.upstreamUrl);
  const agent = new Agent({ keepAlive: true });

  const forward = (incoming: IncomingMessage, onAnswer: (answer: IncomingMessage) => void) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        // The Host the client signed (SigV4 signs it): the embedded S3's gate checks the signature.
        headers: { ...incoming.headers, host: incoming.headers.host ?? upstream.host },
        agent,
      },
      onAnswer,
    );
    outgoing.on('error', () => incoming.socket.destroy());
    pipeline(incoming, outgoing).catch(() => incoming.socket.destroy());
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const target = classifyS3Request(incoming.method ?? 'GET', incoming.url ?? '/');
    const { latencyMs, failure } = options.injector.decide(target);
    if (latencyMs > 0) await sleep(latencyMs);
    // A client that gave up meanwhile: its request never reaches S3, as on a real network.
    if (incoming.socket.destroyed) return;
    if (failure !== undefined) options.logger?.debug({ target, fault: failure }, 'injected S3 fault');
    if (failure === 'reset-before') {
      incoming.socket.destroy();
      return;
    }
    if (failure === 'reset-after') {
      forward(incoming, (answer) => {
        answer.resume();
        answer.once('end', () => incoming.socket.destroy());
      });
      return;
    }
    if (failure !== undefined) {
      // Read the body first, as S3 does, so the client sees an answer rather than a broken pipe.
      incoming.resume();
      incoming.once('end', () => sendS3Error(response, failure));
      return;
    }
    forward(incoming, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      pipeline(answer, response).catch(() => response.destroy());
    });
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch(() => incoming.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

const S3_ERRORS: Record<
  Exclude<FailureKind, `reset-${string}`>,
  [status: number, code: string, message: string]
> = {
  '500': [500, 'InternalError', 'We encountered an internal error. Please try again.'],
  '502': [502, 'BadGateway', 'Injected fault: bad gateway.'],
  '503': [503, 'SlowDown', 'Please reduce your request rate.'],
  '429': [429, 'SlowDown', 'Please reduce your request rate.'],
};

function sendS3Error(response: ServerResponse, failure: Exclude<FailureKind, `reset-${string}`>): void {
  const [status, code, message] = S3_ERRORS[failure];
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>injected-fault</RequestId></Error>`;
  response.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
