// Recognises a JSON or NDJSON write-table body from its Content-Type, and its Content-Encoding
// (identity or gzip; anything else is refused with 415 before a byte is read).
import { AppError } from '../../errors.js';
import type { JsonBodyFormat } from './read-json-records.js';

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
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return { format, gzip: false };
  if (encoding === 'gzip' || encoding === 'x-gzip') return { format, gzip: true };
  throw new AppError(
    415,
    'importer.unsupportedMediaType',
    `Unsupported Content-Encoding "${encoding.slice(0, 100)}" for a JSON body: send it plain or with Content-Encoding: gzip.`,
  );
}
