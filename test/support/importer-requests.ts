// Request helpers for the endpoints beyond CSV write-table: JSON/NDJSON bodies, upload-file,
// GET /jobs/{id}, and reading a progress stream (one JSON event per line).
export interface JsonAnswer {
  status: number;
  body: Record<string, unknown> & { code?: string; status?: string };
  headers: Headers;
}

export async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] },
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers,
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

/** POST /write-table with a JSON (or, with contentType, NDJSON) body; fields in the query string. */
export function writeJson(
  serviceUrl: string,
  token: string | undefined,
  body: string | Buffer,
  query: Record<string, string>,
  options: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  return send(`${serviceUrl}/write-table?${new URLSearchParams(query)}`, {
    headers: {
      'Content-Type': options.contentType ?? 'application/json',
      ...(token ? { 'X-StorageApi-Token': token } : {}),
      ...options.headers,
    },
    body,
  });
}

export function ndjson(records: unknown[]): string {
  return `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
}

export type ProgressEvent = Record<string, unknown> & { event: string };

/** Sends a request asking for progress events and returns the HTTP status and every event line. */
export async function sendForProgress(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] },
): Promise<{ status: number; contentType: string | null; events: ProgressEvent[] }> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { Accept: 'application/x-ndjson', ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  const events = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ProgressEvent);
  return { status: response.status, contentType: response.headers.get('content-type'), events };
}

/** ~3.7 MB of CSV: its import takes the stand-in about a second, long enough to be seen running. */
export function slowCsv(rows = 100_000): string {
  return `id,name,note\n${Array.from({ length: rows }, (_, i) => `${i},name ${i},a note about row ${i}`).join('\n')}\n`;
}
