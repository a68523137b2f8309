// One CSV line from a record's cells (the object path: the sample and records the fast writer gives
// up on): RFC 4180, every value quoted, except null/missing cells, which stay empty (NULL in Storage).

export function csvLine(cells: ReadonlyArray<string | undefined>, width: number): string {
  let line = '';
  for (let i = 0; i < width; i += 1) {
    const cell = cells[i];
    if (i > 0) line += ',';
    // A one-column line with nothing in it would be a blank line, which CSV readers may skip.
    if (cell === undefined) line += width === 1 ? '""' : '';
    else line += `"${cell.includes('"') ? cell.replaceAll('"', '""') : cell}"`;
  }
  return `${line}\n`;
}
