// Sends one `POST /write-table` from the bench: a multipart form (fields first, then the `data`
// part) or a raw body with the fields in the query, streamed from a Readable with an exact
// Content-Length; or a JSON/NDJSON body. Answers status, parsed JSON and the time until the
// response was complete.
import { Agent, type ClientRequest, request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type BodyEncoding = 'multipart' | 'raw';

export interface WriteTableRequest {
  url: string;
  token: string;
  fields: Record<string, string>;
  /** The CSV: a buffer, or a stream of exactly `dataBytes` bytes. */
  data: Buffer | Readable;
  dataBytes: number;
  encoding: BodyEncoding;
}

export interface WriteTableResponse {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const BOUNDARY = '----table-importer-bench-7d1c2a';

export async function sendWriteTable(options: WriteTableRequest): Promise<WriteTableResponse> {
  const startedAt = performance.now();
  const { head, tail, query, contentType } = frame(options);
  const target = new URL(`${options.url}/write-table${query}`);
  const contentLength = head.length + options.dataBytes + tail.length;
  const body = Readable.from(bodyParts(head, options.data, tail), { objectMode: false });

  return new Promise<WriteTableResponse>((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      agent,
      headers: {
        'X-StorageApi-Token': options.token,
        'Content-Type': contentType,
        'Content-Length': String(contentLength),
      },
    });
    settleOnResponse(req, startedAt, resolve, reject);
    // An early answer (e.g. 503) may come before the body is sent; the response settles the call.
    pipeline(body, req).catch(() => {});
  });
}

async function* bodyParts(head: Buffer, data: Buffer | Readable, tail: Buffer): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (Buffer.isBuffer(data)) yield data;
  else for await (const chunk of data) yield chunk as Buffer;
  if (tail.length > 0) yield tail;
}

function frame(options: WriteTableRequest) {
  if (options.encoding === 'raw') {
    return {
      head: Buffer.alloc(0),
      tail: Buffer.alloc(0),
      query: `?${new URLSearchParams(options.fields)}`,
      contentType: 'text/csv',
    };
  }
  const fields = Object.entries(options.fields)
    .map(
      ([name, value]) =>
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  const fileHeader = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="data"; filename="data.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  return {
    head: Buffer.from(fields + fileHeader),
    tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    query: '',
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
  };
}

export interface JsonBodyRequest {
  url: string;
  token: string;
  query: Record<string, string>;
  contentType: string;
  data: Readable;
  dataBytes: number;
}

/** A JSON or NDJSON write-table body (fields in the query), streamed with an exact Content-Length. */
export function sendJsonBody(options: JsonBodyRequest): Promise<WriteTableResponse> {
  const startedAt = performance.now();
  const target = new URL(`${options.url}/write-table?${new URLSearchParams(options.query)}`);
  return new Promise<WriteTableResponse>((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      agent,
      headers: {
        'X-StorageApi-Token': options.token,
        'Content-Type': options.contentType,
        'Content-Length': String(options.dataBytes),
      },
    });
    settleOnResponse(req, startedAt, resolve, reject);
    pipeline(options.data, req).catch(() => {});
  });
}

function settleOnResponse(
  req: ClientRequest,
  startedAt: number,
  resolve: (response: WriteTableResponse) => void,
  reject: (err: Error) => void,
): void {
  req.once('response', (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('error', reject);
    response.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        parsed = { raw: text.slice(0, 500) };
      }
      resolve({ status: response.statusCode ?? 0, body: parsed, ms: performance.now() - startedAt });
    });
  });
  req.once('error', reject);
}
