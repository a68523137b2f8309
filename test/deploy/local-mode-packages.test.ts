// Which "module not found" errors mean "local mode isn't installed": only Node's own error for a
// local-mode package. A missing file of our build or any other package stays a real failure.
// (The ESM path end to end: without-local-mode.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingLocalModePackage } from '../../src/local-mode-packages.js';

describe('missingLocalModePackage', () => {
  let empty: string;
  /** Node's real error for `specifier` required from a directory with no node_modules. */
  const notFound = (specifier: string): unknown => {
    try {
      createRequire(join(empty, 'entry.cjs'))(specifier);
    } catch (err) {
      return err;
    }
    throw new Error(`${specifier} was found from ${empty}`);
  };

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'table-importer-empty-'));
  });

  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('names the local-mode package Node could not find, also through a subpath', () => {
    expect(missingLocalModePackage(notFound('@duckdb/node-api'))).toBe('@duckdb/node-api');
    expect(missingLocalModePackage(notFound('s3rver/lib/s3rver.js'))).toBe('s3rver');
  });

  it('ignores other packages, look-alike names and missing files of our own', () => {
    expect(missingLocalModePackage(notFound('hono'))).toBeUndefined();
    expect(missingLocalModePackage(notFound('s3rver-extra'))).toBeUndefined();
    expect(missingLocalModePackage(notFound('./local-storage/local-storage.js'))).toBeUndefined();
  });

  it('ignores errors that are not "module not found"', () => {
    expect(missingLocalModePackage(new Error("Cannot find package 's3rver'"))).toBeUndefined();
    expect(missingLocalModePackage("Cannot find package 's3rver'")).toBeUndefined();
    expect(missingLocalModePackage(undefined)).toBeUndefined();
  });
});
