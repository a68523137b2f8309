// `encoding=`: the CSV's character set, transcoded to UTF-8 while it streams (iconv-lite), the one
// case where the stored bytes differ from the sent ones. Validates the label; UTF-8 itself is never
// transcoded (it is validated instead, see check-utf8.ts).
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { invalidField, shortened } from '../http/form-field-values.js';

/** A validated `encoding` value: undefined for UTF-8 (nothing to transcode). */
export function parseEncodingField(value: string): string | undefined {
  const label = value.trim().toLowerCase();
  if (label === 'utf-8' || label === 'utf8') return undefined;
  if (label === '' || !iconv.encodingExists(label)) {
    throw invalidField(
      'importer.invalidEncoding',
      'encoding',
      `Unknown encoding "${shortened(value)}": use a name such as utf-8, windows-1250, iso-8859-2, utf-16le.`,
    );
  }
  return label;
}

/** Bytes in `encoding` → UTF-8 bytes; a byte-order mark at the start is dropped. */
export function createTranscoder(encoding: string): Transform {
  const decoder = iconv.getDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const text = decoder.write(chunk);
      callback(null, text.length > 0 ? Buffer.from(text, 'utf8') : undefined);
    },
    flush(callback: TransformCallback) {
      const text = decoder.end() ?? '';
      callback(null, text.length > 0 ? Buffer.from(text, 'utf8') : undefined);
    },
  });
}
