// Which kind a write-table body is when its Content-Type does not say (none, octet-stream,
// text/plain): a first non-blank `[` means a JSON array, `{` JSON objects (NDJSON), anything else a
// CSV; `format=csv|json|ndjson` forces it. Peeks at the request without consuming it.
import type { IncomingMessage } from 'node:http';
import { importerError } from '../errors.js';
import { invalidField, shortened } from '../http/form-field-values.js';
import type { JsonBodyType } from './json-body-type.js';

export type BodyFormat = 'csv' | 'json' | 'ndjson';

const FORMATS = new Set<string>(['csv', 'json', 'ndjson']);
/** Content types that do not say what the body is. */
const UNTYPED_MEDIA_TYPES = new Set(['', 'application/octet-stream', 'text/plain']);
/** Leading bytes looked at for the first non-blank one. */
const SNIFF_BYTES = 4096;

export function parseFormatField(value: string | undefined): BodyFormat | undefined {
  if (value === undefined) return undefined;
  const format = value.trim().toLowerCase();
  if (!FORMATS.has(format)) {
    throw invalidField(
      'importer.invalidFormat',
      'format',
      `"format" must be csv, json or ndjson, got "${shortened(value)}".`,
    );
  }
  return format as BodyFormat;
}

export function isUntypedBody(contentType: string | undefined): boolean {
  return UNTYPED_MEDIA_TYPES.has(contentType?.split(';')[0]?.trim().toLowerCase() ?? '');
}

export interface ResolvedBodyFormat {
  /** The JSON body to convert, or undefined for a CSV. */
  json: JsonBodyType | undefined;
  /** Set when the format was guessed from the bytes (the answer warns about it). */
  detected?: 'json' | 'ndjson';
}

export interface ResolveBodyFormatInput {
  /** From the headers (json-body-type.ts); undefined for anything else. */
  declared: JsonBodyType | undefined;
  multipart: boolean;
  untyped: boolean;
  /** Content-Encoding says gzip. */
  gzipEncoded: boolean;
  format: BodyFormat | undefined;
  incoming: IncomingMessage;
  signal: AbortSignal;
  idleTimeoutMs: number;
}

export async function resolveBodyFormat(input: ResolveBodyFormatInput): Promise<ResolvedBodyFormat> {
  const { format } = input;
  if (input.multipart) {
    if (format === 'json' || format === 'ndjson') {
      throw invalidField(
        'importer.invalidFormat',
        'format',
        'A JSON body is sent raw (Content-Type: application/json), not as a multipart form.',
      );
    }
    return { json: undefined };
  }
  if (format === 'csv') return { json: undefined };
  if (format === 'json' || format === 'ndjson') {
    const gzip = input.declared?.gzip || input.gzipEncoded || (await sniffBody(input)).gzip;
    return { json: { format, gzip } };
  }
  if (input.declared || !input.untyped) return { json: input.declared };
  const sniffed = await sniffBody(input);
  if (sniffed.first === '[') return { json: { format: 'json', gzip: false }, detected: 'json' };
  if (sniffed.first === '{') return { json: { format: 'ndjson', gzip: false }, detected: 'ndjson' };
  return { json: undefined };
}

interface Sniffed {
  /** The first byte that is not whitespace or a BOM, as a character; undefined for none. */
  first: string | undefined;
  gzip: boolean;
}

/**
 * Reads the first bytes of the body and puts them back (unshift, in the same tick as the last
 * read, so a short body's end is not lost). Stops at the first non-blank byte or SNIFF_BYTES.
 */
function sniffBody(input: ResolveBodyFormatInput): Promise<Sniffed> {
  const { incoming, signal } = input;
  return new Promise<Sniffed>((resolve, reject) => {
    const seen: Buffer[] = [];
    let length = 0;
    const finish = (outcome: Sniffed | Error) => {
      cleanup();
      if (seen.length > 0) incoming.unshift(Buffer.concat(seen));
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const decide = (ended: boolean) => {
      const head = Buffer.concat(seen);
      if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)
        return finish({ first: undefined, gzip: true });
      const first = firstNonBlank(head);
      if (first !== undefined || ended || length >= SNIFF_BYTES) finish({ first, gzip: false });
    };
    const onReadable = () => {
      for (
        let chunk = incoming.read() as Buffer | null;
        chunk !== null;
        chunk = incoming.read() as Buffer | null
      ) {
        seen.push(chunk);
        length += chunk.length;
      }
      decide(incoming.readableEnded);
    };
    // The end was already emitted: nothing can be put back, and what was read is blank anyway.
    const onEnd = () => {
      seen.length = 0;
      finish({ first: undefined, gzip: false });
    };
    const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(
      () =>
        finish(
          importerError(
            'importer.requestTimeout',
            `The request body stalled: its first bytes did not arrive within ${Math.round(input.idleTimeoutMs / 1000)} s.`,
          ),
        ),
      input.idleTimeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      incoming.off('readable', onReadable);
      incoming.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    incoming.on('readable', onReadable);
    incoming.once('end', onEnd);
  });
}

function firstNonBlank(head: Buffer): string | undefined {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  for (; i < head.length; i += 1) {
    const byte = head[i] as number;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return String.fromCharCode(byte);
  }
  return undefined;
}
