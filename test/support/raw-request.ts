// Byte-exact HTTP/1.1 requests for hostile-input tests: build any request (lying lengths, broken
// framing, odd methods) and read whatever comes back, JSON or not, on a fresh connection.
import { connect } from 'node:net';
import { parseHttpResponse } from './http-wire.js';

export interface RawRequestSpec {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Content-Length to declare; default the body's length; `null` sends none. */
  contentLength?: number | null;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: Record<string, unknown> | undefined;
  text: string;
}

export function buildRequest(spec: RawRequestSpec): Buffer {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : (spec.body ?? Buffer.alloc(0));
  const headers: Record<string, string> = { Host: '127.0.0.1', Connection: 'close', ...spec.headers };
  const length = spec.contentLength === undefined ? body.length : spec.contentLength;
  if (length !== null) headers['Content-Length'] = String(length);
  const head = [
    `${spec.method ?? 'POST'} ${spec.path ?? '/write-table'} HTTP/1.1`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * Sends `bytes` on a new connection (without closing our side) and resolves with the first
 * response once it is complete (by Content-Length or chunked end) or the server closed.
 */
export function exchange(url: string, bytes: Buffer, timeoutMs = 15_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const answer = parseAnswer(received);
      if (answer) resolve(answer);
      else
        reject(
          err ??
            new Error(`no complete response: ${JSON.stringify(received.toString('latin1').slice(0, 300))}`),
        );
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (parseAnswer(received, true)) finish();
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    socket.write(bytes, () => {});
  });
}

function parseAnswer(data: Buffer, requireComplete = false): RawAnswer | undefined {
  const response = parseHttpResponse(data.toString('utf8'), { requireComplete });
  if (!response) return undefined;
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text: response.body };
}
