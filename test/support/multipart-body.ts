// multipart/form-data bodies written by hand, byte-exact: whole bodies (broken ones included) for
// raw requests, or the pieces of one that a raw-socket test sends chunk by chunk.

export interface FormPart {
  name: string;
  value: string | Buffer;
  /** Makes it a file part. */
  filename?: string;
  /** Replaces the whole part header block (for malformed parts). */
  rawHeaders?: string;
}

/** The boundary line and header block that open a part, up to its data. */
export function partHead(boundary: string, part: Omit<FormPart, 'value'>): string {
  const headerBlock =
    part.rawHeaders ??
    `Content-Disposition: form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"\r\nContent-Type: text/csv` : ''}`;
  return `--${boundary}\r\n${headerBlock}\r\n\r\n`;
}

/** A multipart/form-data body with the given boundary; `close: false` leaves out the final boundary. */
export function formBody(boundary: string, parts: FormPart[], options: { close?: boolean } = {}): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(partHead(boundary, part), 'latin1'));
    pieces.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value);
    pieces.push(Buffer.from('\r\n'));
  }
  if (options.close !== false) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** One whole text field. */
export function fieldPart(boundary: string, name: string, value: string): string {
  return `${partHead(boundary, { name })}${value}\r\n`;
}

/** Opens the `data` file part (data.csv, text/csv); its bytes and the closing boundary follow. */
export function fileHeader(boundary: string): string {
  return partHead(boundary, { name: 'data', filename: 'data.csv' });
}
