// The README against the code: its configuration table lists exactly CONFIG_VARIABLES with the
// defaults loadConfig({}) produces, it names exactly the importer.* codes found in src/, and its
// error code table is exactly the error catalogue (src/errors.ts) with the same statuses.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.js';
import { IMPORTER_ERRORS } from '../src/errors.js';
import { JSON_MEDIA_TYPES } from '../src/ingest/json-body-type.js';
import { RAW_CSV_MEDIA_TYPES } from '../src/ingest/receive-body.js';

const ROOT = resolve(import.meta.dirname, '..');
const CODE = /importer\.[A-Za-z0-9]+/g;

interface MarkdownTable {
  header: string[];
  rows: string[][];
}

/** The markdown tables (cells trimmed) of the `## <title>` section, in order. */
function tablesUnder(markdown: string, title: string): MarkdownTable[] {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`README has no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const tables: MarkdownTable[] = [];
  let current: string[][] | undefined;
  for (const line of markdown.slice(start, end === -1 ? undefined : end).split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    // Split on pipes that are not escaped (`in\|out` stays one cell).
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (!current) {
      current = [];
      tables.push({ header: cells, rows: current });
    } else if (!cells.every((cell) => /^:?-+:?$/.test(cell))) {
      current.push(cells);
    }
  }
  return tables;
}

function tableUnder(markdown: string, title: string, firstHeader: string): string[][] {
  const table = tablesUnder(markdown, title).find((t) => t.header[0] === firstHeader);
  if (!table) throw new Error(`README "## ${title}" has no table whose first column is "${firstHeader}"`);
  return table.rows;
}

/** `PORT` → `port`, `S3_FORCE_PATH_STYLE` → `s3ForcePathStyle`: the Config field of a variable. */
function fieldOf(variable: string): string {
  return variable.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('README.md', () => {
  let readme: string;
  beforeAll(async () => {
    readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  });

  it('lists exactly the configuration variables, each with the default loadConfig({}) gives', () => {
    const rows = tableUnder(readme, 'Configuration', 'variable');
    const names = rows.map((row) => /^`([A-Z0-9_]+)`$/.exec(row[0] ?? '')?.[1] ?? row[0]);
    // Any order; each variable exactly once.
    expect([...names].sort()).toEqual([...CONFIG_VARIABLES].sort());

    const defaults = loadConfig({}) as unknown as Record<string, unknown>;
    for (const row of rows) {
      const variable = (row[0] ?? '').replaceAll('`', '');
      const field = fieldOf(variable);
      expect(Object.keys(defaults), `no Config field "${field}" for ${variable}`).toContain(field);
      const value = defaults[field];
      const cell = row[1] ?? '';
      if (value === undefined) {
        expect(cell, `${variable} has no default`).toMatch(/^unset\b/);
      } else {
        const documented = /`([^`]*)`/.exec(cell)?.[1];
        expect(documented, `${variable}: the first \`value\` in "${cell}"`).toBe(String(value));
      }
      expect(row[2], `${variable} needs a meaning`).toBeTruthy();
    }
  });

  it('documents the remote-mode HOST default too', () => {
    const host = tableUnder(readme, 'Configuration', 'variable').find((row) => row[0] === '`HOST`');
    expect(host?.[1]).toContain(`\`${loadConfig({ KBC_URL: 'https://connection.keboola.com' }).host}\``);
  });

  it('names every importer.* code the code base can produce, and no other', async () => {
    const inSource = new Set<string>();
    for (const file of await sourceFiles(join(ROOT, 'src'))) {
      for (const code of (await readFile(file, 'utf8')).match(CODE) ?? []) inSource.add(code);
    }
    const inReadme = new Set(readme.match(CODE) ?? []);
    expect(inSource.size).toBeGreaterThan(10);
    expect(
      [...inSource].filter((code) => !inReadme.has(code)).sort(),
      'codes missing from the README',
    ).toEqual([]);
    expect(
      [...inReadme].filter((code) => !inSource.has(code)).sort(),
      'README codes no code produces',
    ).toEqual([]);
  });

  it('gives every importer.* code a row in the error code table or the warnings table', () => {
    const tabled = [...tableUnder(readme, 'Errors', 'code'), ...tableUnder(readme, 'Results', 'warning')].map(
      (row) => row[0]?.replaceAll('`', ''),
    );
    expect(tabled.sort()).toEqual([...new Set(readme.match(CODE) ?? [])].sort());
  });

  it('lists exactly the error catalogue in the error code table, each with its status', () => {
    const rows = tableUnder(readme, 'Errors', 'code').map(([code, status]) => [
      code?.replaceAll('`', ''),
      status,
    ]);
    const catalogue = Object.entries(IMPORTER_ERRORS).map(([code, status]) => [code, String(status)]);
    expect(catalogue.length).toBeGreaterThan(40);
    expect(rows.sort()).toEqual(catalogue.sort());
  });

  it('lists exactly the raw CSV and JSON content types the code accepts', () => {
    const listed = (prefix: string) => {
      const line = readme.split('\n').find((l) => l.startsWith(prefix));
      if (!line) throw new Error(`README has no line starting "${prefix}"`);
      return [...line.matchAll(/`([a-z]+\/[a-z0-9.+-]+)`/g)].map((m) => m[1]);
    };
    expect(listed('Accepted raw CSV types:')).toEqual(RAW_CSV_MEDIA_TYPES);
    expect(listed('Accepted JSON types:')).toEqual(JSON_MEDIA_TYPES);
  });
});
