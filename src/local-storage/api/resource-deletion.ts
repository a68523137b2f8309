// Deleting tables, buckets and files of the stand-in (contract §13.1): the DuckDB table or stored
// object, its metadata record and its table/column metadata. Callers check permissions and
// existence first and save the metadata afterwards; sync routes and async jobs share these.
import type { LocalFileStorage } from '../files/local-file-storage.js';
import type { MetadataState } from '../metadata/metadata-store.js';
import type { TableStore } from '../tables/table-store.js';

export interface DeletionDeps {
  state: MetadataState;
  tableStore: TableStore;
  fileStorage: LocalFileStorage;
}

export async function dropTable(deps: DeletionDeps, tableId: string): Promise<void> {
  await deps.tableStore.dropTable(tableId);
  delete deps.state.tables[tableId];
  if (deps.state.tableMetadata) delete deps.state.tableMetadata[tableId];
  if (deps.state.columnMetadata) delete deps.state.columnMetadata[tableId];
}

export function tablesOfBucket(state: MetadataState, bucketId: string): string[] {
  return Object.values(state.tables)
    .filter((table) => table.bucketId === bucketId)
    .map((table) => table.id);
}

/** Drops the bucket's tables (the caller decided that `force` allows it), then the bucket. */
export async function deleteBucket(deps: DeletionDeps, bucketId: string): Promise<void> {
  for (const tableId of tablesOfBucket(deps.state, bucketId)) await dropTable(deps, tableId);
  delete deps.state.buckets[bucketId];
}

export async function deleteFile(deps: DeletionDeps, fileId: number): Promise<void> {
  const file = deps.state.files[String(fileId)];
  if (!file) return;
  await deps.fileStorage.deleteObject(file.key);
  delete deps.state.files[String(fileId)];
}
