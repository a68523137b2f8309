// Value rules shared by every form the importer reads (write-table, upload-file): booleans as
// 1/0/true/false, branch ids, a field error that names its field, and values shortened before
// they are echoed.
import { type ImporterErrorCode, importerError } from '../errors.js';

export const invalidField = (code: ImporterErrorCode, field: string, message: string) =>
  importerError(code, message, { field });

export function parseBooleanField(field: string, value: string): boolean {
  const normalised = value.trim().toLowerCase();
  if (normalised === '1' || normalised === 'true') return true;
  if (normalised === '0' || normalised === 'false') return false;
  throw invalidField(
    'importer.invalidBoolean',
    field,
    `"${field}" must be 1, 0, true or false, got "${shortened(value)}".`,
  );
}

const BRANCH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `branchId`: undefined for `default` (the default branch), else the id as given. */
export function parseBranchIdField(value: string): string | undefined {
  if (!BRANCH_ID.test(value)) {
    throw invalidField(
      'importer.invalidBranchId',
      'branchId',
      '"branchId" must be "default" or a branch id (letters, digits, "-", "_").',
    );
  }
  return value === 'default' ? undefined : value;
}

/** A caller's value as it may appear in an error message: at most 64 characters. */
export function shortened(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
