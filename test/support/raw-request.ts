// Byte-exact HTTP/1.1 requests for hostile-input tests: build any request (lying lengths, broken
// framing, odd methods) and read whatever comes back, JSON or not, on a fresh connection.
import { connect } from 'node:net';

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
  const text = data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  let body = text.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const decoded = decodeChunked(body);
    if (decoded === undefined && requireComplete) return undefined;
    body = decoded ?? body;
  } else if (headers['content-length'] !== undefined) {
    if (Buffer.byteLength(body) < Number(headers['content-length'])) {
      if (requireComplete) return undefined;
    }
  } else if (requireComplete) return undefined;
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, json, text: body };
}

function decodeChunked(raw: string): string | undefined {
  let out = '';
  let rest = raw;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

export interface FormPart {
  name: string;
  value: string | Buffer;
  /** Makes it a file part. */
  filename?: string;
  /** Replaces the whole part header block (for malformed parts). */
  rawHeaders?: string;
}

/** A multipart/form-data body with the given boundary; `close: false` leaves out the final boundary. */
export function formBody(boundary: string, parts: FormPart[], options: { close?: boolean } = {}): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.rawHeaders ??
      `Content-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"\r\nContent-Type: text/csv` : ''}`;
    pieces.push(Buffer.from(`--${boundary}\r\n${disposition}\r\n\r\n`, 'latin1'));
    pieces.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value);
    pieces.push(Buffer.from('\r\n'));
  }
  if (options.close !== false) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}
