// The importer's own warnings in a write-table answer: one structured entry ({code, message}) for
// every sent field it ignored or adjusted and every guess it made (a detected delimiter or format).
// They go into `warnings` beside Storage's own (legacy, always empty on current backends).

export interface ImporterWarning {
  code: string;
  message: string;
}

const shown = (delimiter: string) => (delimiter === '\t' ? 'TAB' : `"${delimiter}"`);

export const delimiterDetected = (delimiter: string): ImporterWarning => ({
  code: 'importer.delimiterDetected',
  message: `No "delimiter" was sent; the file's first rows are separated by ${shown(delimiter)}, so that is used. Send delimiter=${delimiter === '\t' ? '\\t' : delimiter} to say so.`,
});

export const formatDetected = (format: 'json' | 'ndjson', contentType: string): ImporterWarning => ({
  code: 'importer.formatDetected',
  message: `The body was read as ${format === 'json' ? 'a JSON array' : 'JSON objects (NDJSON)'} from its first character although its Content-Type is ${contentType === '' ? 'missing' : `"${contentType}"`}. Send Content-Type: ${format === 'json' ? 'application/json' : 'application/x-ndjson'} (or format=${format}) to say so, or format=csv if it is a CSV.`,
});

export const primaryKeyIgnored = (tableId: string, sent: string, existing: string[]): ImporterWarning => ({
  code: 'importer.primaryKeyIgnored',
  message: `"primaryKey=${sent}" was ignored: it is used only when the table is created, and ${tableId} exists ${existing.length > 0 ? `with the primary key ${existing.join(',')}` : 'without a primary key'}. Set the table's primary key in Storage to deduplicate.`,
});

/** Sent fields the job does not use as sent. */
export function ignoredFieldWarnings(
  options: { table: { tableId: string }; primaryKey: string | undefined },
  existing: { primaryKey: string[] } | null,
): ImporterWarning[] {
  if (!existing || options.primaryKey === undefined) return [];
  if (existing.primaryKey.join(',') === options.primaryKey) return [];
  return [primaryKeyIgnored(options.table.tableId, options.primaryKey, existing.primaryKey)];
}
