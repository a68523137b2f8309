// Where a chunk of UTF-8 can be cut without splitting a character: the stand-in's CSV passes read
// files in chunks and carry an incomplete last character over to the next one.

/** Length of the prefix of `data` that ends on a UTF-8 character boundary. */
export function completeUtf8Length(data: Buffer): number {
  for (let at = data.length - 1; at >= Math.max(0, data.length - 4); at--) {
    const byte = data[at] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    const size = byte < 0xc0 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
    return at + size > data.length ? at : data.length;
  }
  return data.length;
}
