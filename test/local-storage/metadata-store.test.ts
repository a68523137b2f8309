// The metadata document's durability: ids are never reused after a crash (even one during the
// save of a job that had just taken an id), a clean close does not skip ids, the id maps are
// safe against prototype property names, and a deferred change (saveSoon) reaches the disk.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openMetadataStore, SAVE_SOON_MS } from '../../src/local-storage/metadata/metadata-store.js';

let dataDir = '';
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('metadata store', () => {
  it('never hands out an id again after a crash that lost the save of it', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metadata-'));
    const first = await openMetadataStore({ dataDir });
    const saved = first.nextJobId();
    const savedFile = first.nextFileId();
    await first.save();
    // The crash: these ids were taken (a job may already be visible to someone) but never saved.
    const lostJob = first.nextJobId();
    const lostFile = first.nextFileId();

    const second = await openMetadataStore({ dataDir });
    expect(lostJob).toBeGreaterThan(saved);
    expect(second.nextJobId()).toBeGreaterThan(lostJob);
    expect(second.nextFileId()).toBeGreaterThan(lostFile);
    expect(savedFile).toBe(1);
  });

  it('continues without a gap after a clean close', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metadata-'));
    const first = await openMetadataStore({ dataDir });
    expect(first.nextJobId()).toBe(1);
    expect(first.nextJobId()).toBe(2);
    await first.saveOnClose();
    const second = await openMetadataStore({ dataDir });
    expect(second.nextJobId()).toBe(3);
  });

  it('leaves no temp files behind and keeps prototype names as plain keys', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metadata-'));
    const store = await openMetadataStore({ dataDir });
    expect(store.state.buckets.constructor).toBeUndefined();
    expect(Object.getPrototypeOf(store.state.tables)).toBeNull();
    await Promise.all([store.save(), store.save(), store.save()]);
    expect((await readdir(dataDir)).sort()).toEqual(['metadata.json']);
  });

  it('writes a deferred change within SAVE_SOON_MS without another save', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metadata-'));
    const store = await openMetadataStore({ dataDir });
    const onDisk = async () =>
      (JSON.parse(await readFile(join(dataDir, 'metadata.json'), 'utf8')) as { lastJobId: number }).lastJobId;
    const id = store.nextJobId();
    store.saveSoon();
    expect(await onDisk()).toBe(0);
    await vi.waitFor(async () => expect(await onDisk()).toBe(id), {
      timeout: SAVE_SOON_MS * 5,
      interval: 50,
    });
  });
});
