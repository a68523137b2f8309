// Recognises a JSON or NDJSON write-table body from its Content-Type, and its Content-Encoding
// (identity or gzip) and charset (UTF-8); anything else is refused with 415 before a byte is read.
import { importerError } from '../errors.js';

/** How a JSON body holds its records: one array of objects, or one object per line. */
export type JsonBodyFormat = 'json' | 'ndjson';

const FORMATS: Readonly<Record<string, JsonBodyFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
};

/** JSON bodies by Content-Type (the README's list matches this one; a test checks). */
export const JSON_MEDIA_TYPES = Object.keys(FORMATS);

export interface JsonBodyType {
  format: JsonBodyFormat;
  gzip: boolean;
}

/** undefined when the body is not JSON (then it is a CSV body, multipart or raw). */
export function classifyJsonBody(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): JsonBodyType | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const format = FORMATS[mediaType];
  if (!format) return undefined;
  // JSON is UTF-8 (RFC 8259 §8.1); the tokenizer reads nothing else.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw importerError(
      'importer.unsupportedEncoding',
      `Unsupported charset "${charset.slice(0, 100)}" for a JSON body: JSON is sent as UTF-8.`,
    );
  }
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return { format, gzip: false };
  if (encoding === 'gzip' || encoding === 'x-gzip') return { format, gzip: true };
  throw importerError(
    'importer.unsupportedMediaType',
    `Unsupported Content-Encoding "${encoding.slice(0, 100)}" for a JSON body: send it plain or with Content-Encoding: gzip.`,
  );
}
