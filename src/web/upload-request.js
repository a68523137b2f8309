// Sends one upload to POST /write-table with XMLHttpRequest (upload progress events) and reads the
// answer as a progress stream (Accept: application/x-ndjson): every complete line is an event; the
// last one is the result or the error. cancel() aborts the request.

/**
 * `body` is a multipart FormData (CSV), or a File sent raw with `headers` (JSON / NDJSON, its fields
 * in `query`).
 * @param {{ token: string, query?: URLSearchParams, body: FormData | Blob, headers?: Record<string, string>, onUpload(progress: {loaded: number, total: number}): void,
 *   onUploadDone(): void, onEvent(event: Record<string, unknown>): void }} options
 * @returns {{ done: Promise<{ kind: 'result' | 'error' | 'cancelled', body: Record<string, unknown> }>,
 *   cancel(): void }}
 */
export function sendUpload(options) {
  const xhr = new XMLHttpRequest();
  let settle;
  const done = new Promise((resolve) => {
    settle = resolve;
  });
  let read = 0;
  let last;

  const readLines = () => {
    const text = xhr.responseText;
    let end = text.indexOf('\n', read);
    while (end !== -1) {
      const line = text.slice(read, end).trim();
      read = end + 1;
      if (line !== '') {
        const event = parseJson(line);
        if (event) {
          last = event;
          options.onEvent(event);
        }
      }
      end = text.indexOf('\n', read);
    }
  };
  const isStream = () => (xhr.getResponseHeader('Content-Type') ?? '').startsWith('application/x-ndjson');

  const query = options.query?.toString() ?? '';
  xhr.open('POST', query === '' ? '/write-table' : `/write-table?${query}`);
  xhr.setRequestHeader('X-StorageApi-Token', options.token);
  for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
  xhr.setRequestHeader('Accept', 'application/x-ndjson, application/json');
  xhr.upload.addEventListener('progress', (event) => {
    options.onUpload({ loaded: event.loaded, total: event.lengthComputable ? event.total : 0 });
  });
  xhr.upload.addEventListener('load', () => options.onUploadDone());
  xhr.addEventListener('progress', () => {
    if (isStream()) readLines();
  });
  xhr.addEventListener('load', () => {
    if (!isStream()) {
      // Refused before it started (401, 413, 415, 503): a plain JSON error body.
      const body = parseJson(xhr.responseText) ?? {
        code: `http.${xhr.status}`,
        error: `The service answered ${xhr.status}.`,
      };
      settle({ kind: xhr.status < 300 ? 'result' : 'error', body: { httpStatus: xhr.status, ...body } });
      return;
    }
    readLines();
    if (last?.event === 'result') settle({ kind: 'result', body: last });
    else if (last?.event === 'error') settle({ kind: 'error', body: last });
    else
      settle({
        kind: 'error',
        body: { code: 'page.incompleteAnswer', error: 'The answer ended before a result.' },
      });
  });
  xhr.addEventListener('error', () => {
    // The service may answer (e.g. a field error) and close before the browser sent the whole file:
    // the events read so far still say what happened.
    if (last?.event === 'error' || last?.event === 'result') {
      settle({ kind: last.event, body: last });
      return;
    }
    settle({
      kind: 'error',
      body: {
        code: 'page.networkError',
        error: 'The connection to the service failed before an answer arrived.',
      },
    });
  });
  xhr.addEventListener('abort', () => settle({ kind: 'cancelled', body: {} }));
  xhr.send(options.body);
  return { done, cancel: () => xhr.abort() };
}

/** Upload speed and time left from the bytes sent so far. */
export function uploadStats(loaded, total, elapsedMs) {
  const bytesPerSecond = elapsedMs > 0 ? (loaded * 1000) / elapsedMs : 0;
  const secondsLeft = bytesPerSecond > 0 && total > 0 ? (total - loaded) / bytesPerSecond : undefined;
  return { bytesPerSecond, secondsLeft };
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

export function formatSeconds(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

function parseJson(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}
