// A hand-driven HTTP/1.1 client on a raw TCP socket, for what fetch cannot do: send part of a
// body and hold, stall, or disconnect at an exact point, and see when the answer arrives.
import { connect, type Socket } from 'node:net';

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
        const parsed = tryParse(text);
        if (parsed) return parsed;
        if (socket.destroyed || socket.readableEnded) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const parsed = tryParse(text);
      if (parsed) return parsed;
      throw new Error(`no complete response; got: ${JSON.stringify(text.slice(0, 500))}`);
    },
    destroy: () => socket.destroy(),
  };
}

function tryParse(text: string): RawResponse | undefined {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  let body = text.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = decodeChunked(body) ?? '';
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (!Number.isNaN(length) && Buffer.byteLength(body) < length) return undefined;
  try {
    return {
      status: Number(statusLine?.split(' ')[1]),
      headers,
      body: JSON.parse(body) as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}

function decodeChunked(raw: string): string | undefined {
  let out = '';
  let rest = raw;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
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

export function fieldPart(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

export function fileHeader(boundary: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="data.csv"\r\nContent-Type: text/csv\r\n\r\n`;
}
