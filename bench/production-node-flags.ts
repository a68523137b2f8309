// The node flags and malloc settings production runs the importer with, read from the Dockerfile
// (its CMD `["node", <flags>…, "dist/main.js"]` and its `ENV MALLOC_*=…`), so the bench's compiled
// importer runs as the image does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The flags between `node` and `dist/main.js` of the Dockerfile's last CMD (exec form). */
export function productionNodeFlags(root: string): string[] {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const cmd = dockerfile
    .split('\n')
    .filter((line) => /^CMD\s/i.test(line))
    .at(-1);
  const args: unknown = cmd === undefined ? undefined : JSON.parse(cmd.replace(/^CMD\s+/i, ''));
  if (
    !Array.isArray(args) ||
    args.length < 2 ||
    args[0] !== 'node' ||
    args.at(-1) !== 'dist/main.js' ||
    !args.every((arg) => typeof arg === 'string')
  ) {
    throw new Error(`Dockerfile: expected CMD ["node", …flags, "dist/main.js"], found ${cmd ?? 'no CMD'}`);
  }
  return args.slice(1, -1) as string[];
}

/** The glibc malloc tunables (`MALLOC_*`) the Dockerfile's `ENV` lines set for the runtime. */
export function productionMallocEnv(root: string): Record<string, string> {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const env: Record<string, string> = {};
  for (const line of dockerfile.split('\n')) {
    if (!/^ENV\s/i.test(line)) continue;
    for (const pair of line.replace(/^ENV\s+/i, '').split(/\s+/)) {
      const match = /^(MALLOC_[A-Z_]+)=(\S+)$/.exec(pair);
      if (match) env[match[1] as string] = match[2] as string;
    }
  }
  return env;
}
