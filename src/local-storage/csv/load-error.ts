// The job error for data Storage cannot load: Snowflake reports these as "Load error: …", Redshift
// as `invalidData`. The code `csvImport.invalidData` is a local-only choice (contract §2.3).
import { StorageError } from '../protocol/storage-error.js';

export const LOAD_ERROR_CODE = 'csvImport.invalidData';

/** `detail` follows the "Load error: " prefix, e.g. `line 3: expected 2 fields, found 3.` */
export function createLoadError(detail: string): StorageError {
  return new StorageError(400, LOAD_ERROR_CODE, `Load error: ${detail}`);
}
