// The POST /upload-file fields (the old Importer's: name, tags[], isPermanent, notify, isPublic,
// branchId), validated as they arrive. files/prepare needs them once the file starts, so a field
// sent after the `data` part is refused rather than silently ignored.
import {
  invalidField,
  parseBooleanField,
  parseBranchIdField,
  shortened,
} from '../../http/form-field-values.js';

export interface UploadFileOptions {
  name: string;
  tags: string[];
  isPermanent: boolean;
  notify: boolean;
  /** undefined = the default branch. */
  branchId: string | undefined;
}

export interface UploadFileFields {
  add(name: string, value: string): void;
  /** The file began: later fields could no longer reach files/prepare. */
  startData(): void;
  finish(clientFileName: string | undefined): UploadFileOptions;
}

const TAG_FIELD = /^tags(\[\d*\])?$/;
const BOOLEAN_FIELDS = new Set(['isPermanent', 'notify', 'isPublic']);
const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 256;
const MAX_NAME_LENGTH = 200;
const DEFAULT_FILE_NAME = 'upload';

export function createUploadFileFields(): UploadFileFields {
  const scalars = new Map<string, string>();
  const tags: string[] = [];
  let dataStarted = false;

  return {
    add(name, value) {
      if (dataStarted) {
        throw invalidField(
          'importer.fieldAfterData',
          name,
          `Field "${shortened(name)}" came after the "data" part: send every field before the file (curl -F name=… -F data=@file).`,
        );
      }
      if (TAG_FIELD.test(name)) {
        // `tags=a,b` is a comma list; the bracket forms carry one tag each.
        const values = name === 'tags' ? value.split(',') : [value];
        for (const tag of values.map((v) => v.trim())) {
          if (tag === '' || tag.length > MAX_TAG_LENGTH) {
            throw invalidField(
              'importer.invalidTags',
              'tags',
              `Tags must be 1-${MAX_TAG_LENGTH} characters long.`,
            );
          }
          if (!tags.includes(tag)) tags.push(tag);
        }
        if (tags.length > MAX_TAGS)
          throw invalidField('importer.invalidTags', 'tags', `At most ${MAX_TAGS} tags are allowed.`);
        return;
      }
      if (name !== 'name' && name !== 'branchId' && !BOOLEAN_FIELDS.has(name)) {
        throw invalidField(
          'importer.unknownField',
          name,
          `Unknown field "${shortened(name)}". Known fields: data, name, tags, isPermanent, notify, isPublic, branchId.`,
        );
      }
      if (scalars.has(name)) {
        throw invalidField('importer.duplicateField', name, `Field "${name}" was sent more than once.`);
      }
      if (BOOLEAN_FIELDS.has(name)) parseBooleanField(name, value);
      if (name === 'branchId') parseBranchIdField(value);
      scalars.set(name, value);
    },
    startData() {
      dataStarted = true;
    },
    finish(clientFileName) {
      const branchId = scalars.get('branchId');
      return {
        name: toSafeFileName(scalars.get('name') ?? clientFileName ?? ''),
        tags,
        isPermanent: parseBooleanField('isPermanent', scalars.get('isPermanent') ?? '0'),
        notify: parseBooleanField('notify', scalars.get('notify') ?? '0'),
        // isPublic is accepted for compatibility with the old Importer only: Storage files are private.
        branchId: branchId === undefined ? undefined : parseBranchIdField(branchId),
      };
    },
  };
}

/**
 * A name Storage and S3 keys can carry safely: the last path segment, accents dropped, anything
 * outside [A-Za-z0-9._-] turned into `_`, no leading dots, at most 200 characters. Extensions
 * (including `.gz`) are kept as given: the bytes are stored as sent.
 */
export function toSafeFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const safe = base
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^\.+/, '')
    .slice(0, MAX_NAME_LENGTH);
  return safe === '' ? DEFAULT_FILE_NAME : safe;
}
