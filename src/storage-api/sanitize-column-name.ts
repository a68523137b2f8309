// Storage's column-name sanitiser (contract §9.2), applied to CSV headers and to `columns`.
// Does not validate: empty results and the 64-character limit are checked by file-columns.ts.

/** Letters NFKD does not decompose into ASCII, transliterated the way iconv//TRANSLIT does. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ŧ: 't',
  Ŧ: 'T',
  '€': 'EUR',
};
const NEEDS_TRANSLITERATION = new RegExp(`[${Object.keys(TRANSLITERATIONS).join('')}]`, 'g');
const COMBINING_MARKS = /\p{M}/gu;
const NOT_IDENTIFIER_CHARS = /[^A-Za-z0-9_]+/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;
/** Postgres/Redshift system column names; Storage renames such headers by appending `_`. */
const SYSTEM_COLUMNS = new Set(['oid', 'tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

/**
 * `"col2 with space"` → `col2_with_space`, `ščřščž` → `scrscz`, `language-id` → `language_id`,
 * `xMax` → `xMax_`. Characters without an ASCII transliteration (e.g. CJK) become `_` like any
 * other non-identifier character; Keboola's iconv-based original may drop the whole name instead.
 */
export function sanitizeColumnName(name: string): string {
  const ascii = name
    .replace(NEEDS_TRANSLITERATION, (char) => TRANSLITERATIONS[char] ?? char)
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '');
  const sanitized = ascii.replace(NOT_IDENTIFIER_CHARS, '_').replace(EDGE_UNDERSCORES, '');
  return SYSTEM_COLUMNS.has(sanitized.toLowerCase()) ? `${sanitized}_` : sanitized;
}
