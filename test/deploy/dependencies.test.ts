// package.json against the code: the production install (`npm ci --omit=dev`, the image) carries
// exactly the packages remote mode loads, and no local-mode-only one (DuckDB, s3rver, Azurite).
// Remote mode's modules are found by following src/main.ts's imports; see remoteModeGraph.
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_MODE_PACKAGES } from '../../src/local-mode-packages.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
/** A dynamic import of a module in here is local mode's lazy boundary (main.ts's startLocalMode). */
const LOCAL_STORAGE_DIR = join(SRC, 'local-storage');

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface ModuleImport {
  specifier: string;
  dynamic: boolean;
}

/**
 * What a module loads at run time: static imports and re-exports except `import type` /
 * `export type` (erased; with verbatimModuleSyntax `import { type X }` stays as a side-effect
 * import, so it counts), and `import()` calls with a string literal.
 */
function runtimeImports(fileName: string, text: string): ModuleImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: ModuleImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly)
        found.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) found.push({ specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument === undefined || !ts.isStringLiteralLike(argument)) {
        throw new Error(`${fileName}: import() of a computed specifier; this test cannot follow it`);
      }
      found.push({ specifier: argument.text, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `hono/route` → `hono`, `@aws-sdk/client-s3/x` → `@aws-sdk/client-s3`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

interface Graph {
  /** Source files reached, relative to the repository root. */
  files: Set<string>;
  /** npm package → the first file (relative) that imports it. */
  packages: Map<string, string>;
}

/**
 * Follows imports from `entry` (a .ts file). Relative `.js` specifiers map to their `.ts` source.
 * A dynamic import into src/local-storage/ is not followed when `stopAtLocalMode` is set: that is
 * where main.ts loads the stand-in, in local mode only. Every other import is assumed to run.
 */
async function importGraph(entry: string, stopAtLocalMode: boolean): Promise<Graph> {
  const graph: Graph = { files: new Set(), packages: new Map() };
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const name = relative(ROOT, file);
    if (graph.files.has(name)) continue;
    graph.files.add(name);
    for (const { specifier, dynamic } of runtimeImports(name, await readFile(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (stopAtLocalMode && dynamic && target.startsWith(`${LOCAL_STORAGE_DIR}/`)) continue;
        pending.push(target);
      } else if (!isBuiltin(specifier)) {
        const pkg = packageName(specifier);
        if (!graph.packages.has(pkg)) graph.packages.set(pkg, name);
      }
    }
  }
  return graph;
}

describe('package.json dependencies', () => {
  let pkg: PackageJson;
  let remote: Graph;
  let local: Graph;

  beforeAll(async () => {
    pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
    remote = await importGraph(join(SRC, 'main.ts'), true);
    local = await importGraph(join(SRC, 'main.ts'), false);
    const standIn = await importGraph(join(SRC, 'local-storage/serve-local-storage.ts'), false);
    for (const [name, from] of standIn.packages)
      if (!local.packages.has(name)) local.packages.set(name, from);
  });

  it('follows the real graph: remote mode reaches the Storage client, local mode the stand-in', () => {
    expect(remote.files).toContain('src/storage-api/storage-client.ts');
    expect(remote.files).not.toContain('src/local-storage/local-storage.ts');
    expect(local.files).toContain('src/local-storage/local-storage.ts');
    expect([...local.packages.keys()]).toEqual(expect.arrayContaining(['@duckdb/node-api', 's3rver']));
  });

  it('keeps every local-mode-only package out of what the production install ships', () => {
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'] as const) {
      const shipped = Object.keys(pkg[field] ?? {});
      expect(
        shipped.filter((name) => LOCAL_MODE_PACKAGES.includes(name)),
        `local-mode-only packages in ${field}: move them to devDependencies`,
      ).toEqual([]);
    }
  });

  it('never loads a local-mode-only package from remote-mode code', () => {
    const offenders = [...remote.packages].filter(([name]) => LOCAL_MODE_PACKAGES.includes(name));
    expect(
      offenders.map(([name, from]) => `${from} loads ${name}`),
      'remote mode must reach the stand-in only through the dynamic import in main.ts',
    ).toEqual([]);
  });

  it('ships every package remote mode loads (or the image fails to start)', () => {
    const dependencies = pkg.dependencies ?? {};
    const missing = [...remote.packages].filter(([name]) => !(name in dependencies));
    expect(missing.map(([name, from]) => `${name} (imported by ${from})`)).toEqual([]);
  });

  it('ships nothing remote mode does not load (local-only and tooling go to devDependencies)', () => {
    const unused = Object.keys(pkg.dependencies ?? {}).filter((name) => !remote.packages.has(name));
    expect(unused).toEqual([]);
  });

  it('declares every package local mode and the stand-in load', () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies };
    const undeclared = [...local.packages].filter(([name]) => !(name in declared));
    expect(undeclared.map(([name, from]) => `${name} (imported by ${from})`)).toEqual([]);
  });
});
