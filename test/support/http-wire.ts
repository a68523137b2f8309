// Reading an HTTP/1.1 response off the wire as text, for the raw-socket helpers: status line,
// headers and a body de-chunked when it came chunked. Knows nothing of sockets or JSON.

export interface WireResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The body: de-chunked when complete, otherwise as received so far. */
  body: string;
}

/**
 * Parses the response at the start of `text`; undefined while the head is incomplete. With
 * `requireComplete`, also while the body is (by Content-Length or chunked framing), and always
 * for a body without either framing, whose end only the connection closing can show.
 */
export function parseHttpResponse(
  text: string,
  options: { requireComplete: boolean },
): WireResponse | undefined {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  let body = text.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const decoded = decodeChunked(body);
    if (decoded === undefined && options.requireComplete) return undefined;
    body = decoded ?? body;
  } else if (headers['content-length'] !== undefined) {
    if (Buffer.byteLength(body) < Number(headers['content-length']) && options.requireComplete) {
      return undefined;
    }
  } else if (options.requireComplete) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** The data of a chunked body; undefined until the last chunk arrived or when the framing is broken. */
export function decodeChunked(raw: string): string | undefined {
  let out = '';
  let rest = raw;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    // Without this a malformed size line loops forever: slice(NaN) is the whole string again.
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
