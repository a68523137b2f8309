// Shapes shared by the stand-in's table engine and its callers: CSV load options, a table's schema
// and stats, the local source file. Types only, so table-store, table-load and duckdb-table-load
// depend on this module instead of on each other.
export interface CsvLoadOptions {
  delimiter: string;
  enclosure: string;
  escapedBy: string;
  /** When given (non-empty): the file has no header row; names are sanitised like headers. */
  columns?: string[];
  withoutHeaders: boolean;
  /**
   * Leading records to skip. A header counts as one: with a header in the file, record 1 is the
   * header and data starts after max(ignoredLinesCount, 1) records (contract §5.1, §9.3).
   */
  ignoredLinesCount: number;
  /** At most 1 element; matching values are stored as '' on these string tables (§9.6). */
  treatValuesAsNull?: string[];
}
export interface TableSchema {
  columns: string[];
  primaryKey: string[];
}
export interface TableStats {
  rowsCount: number;
  /** Sum of the UTF-8 byte lengths of all values; `_timestamp`, quotes and delimiters excluded. */
  dataSizeBytes: number;
}
/** A local temp file the caller downloaded from S3; gzip decided by the Storage file name (.gz). */
export interface SourceFile {
  path: string;
  gzip: boolean;
}
