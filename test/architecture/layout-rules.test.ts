// The folders are the architecture: dependency-cruiser's rules (.dependency-cruiser.cjs) hold for
// src/, and no two folders of src/ depend on each other in a cycle (checked here on the folder
// graph, which dependency-cruiser's module-level cycle rule does not see).
import { createRequire } from 'node:module';
import { cruise, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const ruleSet = require('../../.dependency-cruiser.cjs');

async function cruiseSrc() {
  const result: IReporterOutput = await cruise(['src'], {
    validate: true,
    ruleSet,
    ...ruleSet.options,
  });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser answered text');
  return result.output;
}

let cruised: ReturnType<typeof cruiseSrc> | undefined;
/** One cruise (a few seconds) shared by the tests. */
const cruiseOnce = () => {
  cruised ??= cruiseSrc();
  return cruised;
};

/**
 * The folder of a module under src/ ("src/http/drain.ts" → "http"); root files are ".". A route is
 * its own folder ("src/routes/jobs/get-job.ts" → "routes/jobs"), its subfolders part of it.
 */
function folderOf(path: string): string {
  const folders = path.split('/').slice(1, -1);
  if (folders[0] === 'routes' && folders[1]) return `routes/${folders[1]}`;
  return folders[0] ?? '.';
}

describe('layout rules', () => {
  it('no module breaks a dependency-cruiser rule', async () => {
    const output = await cruiseOnce();
    const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(violations).toEqual([]);
  });

  it('no cycle between folders of src/', async () => {
    const output = await cruiseOnce();
    const edges = new Map<string, Set<string>>();
    for (const module of output.modules) {
      if (!module.source.startsWith('src/')) continue;
      for (const dep of module.dependencies) {
        if (!dep.resolved.startsWith('src/') || dep.dynamic) continue;
        const from = folderOf(module.source);
        const to = folderOf(dep.resolved);
        if (from === to || from === '.' || to === '.') continue;
        const targets = edges.get(from) ?? new Set<string>();
        targets.add(to);
        edges.set(from, targets);
      }
    }
    expect(folderCycles(edges)).toEqual([]);
  });

  it('finds a folder cycle when there is one', () => {
    const edges = new Map([
      ['ingest', new Set(['http'])],
      ['http', new Set(['routes/jobs'])],
      ['routes/jobs', new Set(['ingest'])],
    ]);
    expect(folderCycles(edges)).toEqual(['http → routes/jobs → ingest → http']);
  });
});

/** Every cycle in a small directed graph, each as "a → b → a", found by depth-first search. */
function folderCycles(edges: Map<string, Set<string>>): string[] {
  const cycles = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const loop = path.slice(at);
      const start = loop.indexOf([...loop].sort()[0] as string);
      const canonical = [...loop.slice(start), ...loop.slice(0, start)];
      cycles.add([...canonical, canonical[0]].join(' → '));
      return;
    }
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
  };
  for (const node of edges.keys()) visit(node, []);
  return [...cycles];
}
