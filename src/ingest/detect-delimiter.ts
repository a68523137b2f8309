// Guesses a CSV's delimiter among `,` `;` TAB `|` from the start of the file (text already decoded),
// counting each candidate outside enclosures, record by record. Pure: no I/O, no defaults of its own;
// it answers only when the choice is clear, and the caller keeps comma otherwise.

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/** Records looked at: the header and the first rows. */
const MAX_RECORDS = 50;

export interface DetectDelimiterInput {
  /** The start of the file as text. */
  text: string;
  /** True when `text` is the whole file (its last record is complete even without a newline). */
  complete: boolean;
  /** The enclosure in force (`"` by default; empty: none). */
  enclosure: string;
}

/** The delimiter, when exactly one candidate splits every record into the same number of fields. */
export function detectDelimiter(input: DetectDelimiterInput): string | undefined {
  const records = countPerRecord(input);
  if (records.length === 0) return undefined;
  const consistent = DELIMITER_CANDIDATES.filter((candidate) => {
    const first = records[0]?.get(candidate) ?? 0;
    return first > 0 && records.every((counts) => (counts.get(candidate) ?? 0) === first);
  });
  // Two candidates that both fit (`a,b;c` everywhere) are not a clear choice.
  return consistent.length === 1 ? consistent[0] : undefined;
}

/** Per complete record, how often each candidate occurs outside the enclosure. */
function countPerRecord({ text, complete, enclosure }: DetectDelimiterInput): Array<Map<string, number>> {
  const records: Array<Map<string, number>> = [];
  let counts = new Map<string, number>();
  let enclosed = false;
  let blank = true;
  const candidates = new Set<string>(DELIMITER_CANDIDATES);
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length && records.length < MAX_RECORDS; i += 1) {
    const char = text[i] as string;
    if (enclosure !== '' && char === enclosure) {
      // A doubled enclosure inside an enclosed value toggles twice: net unchanged, as it should.
      enclosed = !enclosed;
      blank = false;
      continue;
    }
    if (enclosed) continue;
    if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      if (!blank) records.push(counts);
      counts = new Map();
      blank = true;
      continue;
    }
    blank = false;
    if (candidates.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  // The last record counts only when the text is the whole file: a cut one has fewer fields.
  if (complete && !blank && !enclosed && records.length < MAX_RECORDS) records.push(counts);
  return records;
}

/**
 * The delimiter a CSV import uses: the sent one, else the one detected from the file's prefix when
 * it is clear and not the default comma (then with a warning), else comma.
 */
export function chooseDelimiter(
  sent: { delimiter: string; delimiterSent: boolean; enclosure: string },
  prefix: { text: string; complete: boolean } | undefined,
): { delimiter: string; detected: boolean } {
  if (sent.delimiterSent || !prefix) return { delimiter: sent.delimiter, detected: false };
  const found = detectDelimiter({ ...prefix, enclosure: sent.enclosure });
  if (!found || found === sent.delimiter) return { delimiter: sent.delimiter, detected: false };
  return { delimiter: found, detected: true };
}
