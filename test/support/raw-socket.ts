// A hand-driven HTTP/1.1 client on a raw TCP socket, for what fetch cannot do: send part of a
// body and hold, stall, or disconnect at an exact point, and see when the answer arrives.
import { connect, type Socket } from 'node:net';
import { parseHttpResponse } from './http-wire.js';

export interface RawConnection {
  socket: Socket;
  write(data: string | Buffer): Promise<void>;
  /** Resolves with the raw response text once the server closed or sent a complete JSON body. */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** Bytes of response seen so far. */
  received(): string;
  destroy(): void;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('utf8');
  });
  socket.on('error', () => {});
  return {
    socket,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        socket.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    received: () => text,
    async response(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const parsed = jsonResponse(text, true);
        if (parsed) return parsed;
        if (socket.destroyed || socket.readableEnded) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // The server closed (or time is up): whatever body arrived is all there is.
      const parsed = jsonResponse(text, false);
      if (parsed) return parsed;
      throw new Error(`no complete response; got: ${JSON.stringify(text.slice(0, 500))}`);
    },
    destroy: () => socket.destroy(),
  };
}

/** The response if it is complete (or the connection ended) and its body is JSON. */
function jsonResponse(text: string, requireComplete: boolean): RawResponse | undefined {
  const response = parseHttpResponse(text, { requireComplete });
  if (!response) return undefined;
  try {
    return {
      status: response.status,
      headers: response.headers,
      body: JSON.parse(response.body) as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}

/** Request head for a multipart upload whose body we send by hand. */
export function multipartHead(
  path: string,
  token: string | undefined,
  boundary: string,
  extra: string[] = [],
): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...(token ? [`X-StorageApi-Token: ${token}`] : []),
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    'Transfer-Encoding: chunked',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

export function chunk(data: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}
