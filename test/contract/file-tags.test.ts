// Contract: changing a Storage file after prepare (contract §13.1, §13.7; the PHP client's
// addFileTag/deleteFileTag/deleteFile) and listing by tags, where `tags[]` matches files having
// one or more of the tags. The importer's idempotency keys rely on all of it.
import { describe, expect, it } from 'vitest';
import { createContractClient, uniqueName } from './support/storage-client.js';
import { useStorageTarget } from './support/storage-target.js';

const target = useStorageTarget();
const api = createContractClient(target);

/** The list is eventually consistent on a real stack (about 1 s); the stand-in is immediate. */
async function listIds(query: string, expectedCount: number): Promise<number[]> {
  let ids: number[] = [];
  for (let attempt = 0; attempt < (target.isLocal ? 1 : 10); attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    const response = await api.get(`files?${query}`);
    expect(response.status).toBe(200);
    ids = response.body.map((file: { id: number }) => file.id);
    if (ids.length === expectedCount) break;
  }
  return ids;
}

describe('file tags', () => {
  it('lists files having any of the given tags, newest first', async () => {
    const a = uniqueName('tag-a');
    const b = uniqueName('tag-b');
    const first = await api.prepareFile('first.csv', { tags: [a] });
    const second = await api.prepareFile('second.csv', { tags: [b] });
    const both = await api.prepareFile('both.csv', { tags: [a, b] });
    const query = `tags[]=${encodeURIComponent(a)}&tags[]=${encodeURIComponent(b)}`;
    expect(await listIds(query, 3)).toEqual([both.id, second.id, first.id]);
  });

  it('adds a tag after prepare (listed by it), removes it, and deletes the file', async () => {
    const tag = uniqueName('later');
    const file = await api.prepareFile('tagged-later.csv');
    const added = await api.post(`files/${file.id}/tags`, { json: { tag } });
    expect(added.status, added.text).toBeLessThan(300);
    const again = await api.post(`files/${file.id}/tags`, { form: [['tag', tag]] });
    expect(again.status, again.text).toBeLessThan(300);
    const detail = await api.get(`files/${file.id}`);
    expect(detail.body.tags.filter((t: string) => t === tag)).toHaveLength(1);
    expect(await listIds(`tags[]=${encodeURIComponent(tag)}`, 1)).toEqual([file.id]);

    const removed = await api.request('DELETE', `files/${file.id}/tags/${encodeURIComponent(tag)}`);
    expect(removed.status, removed.text).toBeLessThan(300);
    expect((await api.get(`files/${file.id}`)).body.tags).not.toContain(tag);

    const deleted = await api.request('DELETE', `files/${file.id}`);
    expect(deleted.status, deleted.text).toBe(204);
    const gone = await api.get(`files/${file.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('storage.files.notFound');
  });

  it('refuses an empty tag', async () => {
    const file = await api.prepareFile('no-tag.csv');
    const response = await api.post(`files/${file.id}/tags`, { json: { tag: '' } });
    expect(response.status).toBe(400);
  });
});
