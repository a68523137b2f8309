// Table and column metadata items of the stand-in (contract §13.4): `{id, key, value, provider,
// timestamp}` kept in the metadata document, validated like Storage (invalidStructure, invalidKey,
// invalidParameter, invalidProvider) and upserted by (provider, key) keeping the item's id.

import { StorageError } from '../protocol/storage-error.js';
import { formatStorageTime } from '../protocol/storage-response.js';
import type { MetadataItemRecord, MetadataState } from './metadata-store.js';

const PROVIDER_PATTERN = /^[A-Za-z0-9._-]+$/;
const MAX_KEY_LENGTH = 255;

export interface MetadataInput {
  key: string;
  value: string;
}

export function readProvider(value: unknown): string {
  if (value === undefined || value === null || value === '') {
    throw new StorageError(400, 'storage.metadata.invalidProvider', 'Provider is required.');
  }
  if (typeof value !== 'string' || !PROVIDER_PATTERN.test(value)) {
    throw new StorageError(400, 'storage.metadata.invalidProvider', 'Invalid metadata provider.');
  }
  if (value === 'storage') {
    throw new StorageError(
      403,
      'storage.metadata.invalidProvider',
      'Metadata with "storage" provider cannot be edited by user.',
    );
  }
  return value;
}

/** `metadata: [{key, value}, …]` (also `{"0": {…}}` from indexed form fields). */
export function readMetadataList(value: unknown, name = 'metadata'): MetadataInput[] {
  if (value === undefined || value === null || typeof value !== 'object') {
    throw new StorageError(
      400,
      'storage.metadata.invalidParameter',
      `The ${name} parameter must be an array.`,
    );
  }
  const list = Array.isArray(value) ? value : indexedValues(value);
  if (!list || list.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw new StorageError(
      400,
      'storage.metadata.invalidStructure',
      "Invalid structure. Metadata must be provided as an array of objects with 'key' and 'value' members",
    );
  }
  return list.map((item, index) => readItem(item as Record<string, unknown>, `${name}[${index}]`));
}

function readItem(item: Record<string, unknown>, path: string): MetadataInput {
  const key = item.key;
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH || key.includes('%')) {
    throw new StorageError(400, 'storage.metadata.invalidKey', `Invalid Metadata Key (${path}[key])`);
  }
  const value = item.value;
  if (value === undefined || value === null || typeof value === 'object') {
    throw new StorageError(
      400,
      'storage.metadata.invalidStructure',
      "Invalid structure. Metadata must be provided as an array of objects with 'key' and 'value' members",
    );
  }
  return { key, value: String(value) };
}

function indexedValues(value: object): unknown[] | undefined {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => /^\d+$/.test(key)) ? Object.values(value) : undefined;
}

/**
 * `columnsMetadata`: items grouped under the column name, or under any key (an index, GO's `all`)
 * with `columnName` inside each item. Returns the inputs per column name.
 */
export function readColumnsMetadata(value: unknown): Map<string, MetadataInput[]> {
  const byColumn = new Map<string, MetadataInput[]>();
  if (value === undefined || value === null) return byColumn;
  if (typeof value !== 'object') {
    throw new StorageError(
      400,
      'storage.metadata.invalidParameter',
      'The columnsMetadata parameter must be an array.',
    );
  }
  for (const [group, items] of Object.entries(value)) {
    const list = Array.isArray(items)
      ? items
      : typeof items === 'object' && items
        ? indexedValues(items)
        : undefined;
    if (!list)
      throw new StorageError(
        400,
        'storage.metadata.invalidParameter',
        'The columnsMetadata parameter must be an array.',
      );
    list.forEach((item, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new StorageError(
          400,
          'storage.metadata.invalidStructure',
          "Invalid structure. Metadata must be provided as an array of objects with 'key' and 'value' members",
        );
      }
      const record = item as Record<string, unknown>;
      const column =
        typeof record.columnName === 'string' && record.columnName !== '' ? record.columnName : group;
      const inputs = byColumn.get(column) ?? [];
      inputs.push(readItem(record, `columnsMetadata[${group}][${index}]`));
      byColumn.set(column, inputs);
    });
  }
  return byColumn;
}

/** Adds or updates (same provider and key: same id, new value and timestamp) the items in `list`. */
export function upsertMetadata(
  state: MetadataState,
  list: MetadataItemRecord[],
  provider: string,
  inputs: readonly MetadataInput[],
  now: Date,
): void {
  const timestamp = formatStorageTime(now);
  for (const input of inputs) {
    const existing = list.find((item) => item.provider === provider && item.key === input.key);
    if (existing) {
      existing.value = input.value;
      existing.timestamp = timestamp;
      continue;
    }
    state.lastMetadataId = (state.lastMetadataId ?? 0) + 1;
    list.push({ id: String(state.lastMetadataId), key: input.key, value: input.value, provider, timestamp });
  }
}

export function tableMetadataList(state: MetadataState, tableId: string): MetadataItemRecord[] {
  state.tableMetadata ??= {};
  return ownEntry(state.tableMetadata, tableId, () => []);
}

export function columnMetadataList(
  state: MetadataState,
  tableId: string,
  column: string,
): MetadataItemRecord[] {
  state.columnMetadata ??= {};
  const table = ownEntry(state.columnMetadata, tableId, () => ({}));
  return ownEntry(table, column, () => []);
}

/**
 * `map[key]`, created when `map` has no own `key`: a column named `__proto__` or `constructor` is a
 * plain key, never Object.prototype's property.
 */
function ownEntry<T>(map: Record<string, T>, key: string, create: () => T): T {
  if (!Object.hasOwn(map, key)) {
    Object.defineProperty(map, key, {
      value: create(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return map[key] as T;
}

/** Removes the item with `rawId` from `list`; Storage's 400 for a non-numeric id, 404 for an unknown one. */
export function removeMetadataItem(list: MetadataItemRecord[], rawId: string): void {
  if (!/^\d+$/.test(rawId)) {
    throw new StorageError(
      400,
      '',
      `Argument "subResource" is expected to be type "int", value "${rawId}" given.`,
    );
  }
  const index = list.findIndex((item) => item.id === String(Number(rawId)));
  if (index === -1)
    throw new StorageError(404, 'storage.metadata.notFound', 'The supplied metadata ID was not found');
  const [item] = list.slice(index, index + 1);
  if (item?.provider === 'storage') {
    throw new StorageError(
      403,
      'storage.metadata.invalidProvider',
      'Metadata with "storage" provider cannot be deleted by user.',
    );
  }
  list.splice(index, 1);
}

/** Table detail's `columnMetadata`: items per column, `[]` when there are none (PHP's empty array). */
export function presentColumnMetadata(
  state: MetadataState,
  tableId: string,
): Record<string, MetadataItemRecord[]> | [] {
  const entries = Object.entries(state.columnMetadata?.[tableId] ?? {}).filter(
    ([, items]) => items.length > 0,
  );
  return entries.length > 0
    ? Object.fromEntries(entries.map(([column, items]) => [column, items.map((i) => ({ ...i }))]))
    : [];
}

export function presentTableMetadata(state: MetadataState, tableId: string): MetadataItemRecord[] {
  return (state.tableMetadata?.[tableId] ?? []).map((item) => ({ ...item }));
}
