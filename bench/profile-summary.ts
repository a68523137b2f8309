// Summarises V8 .cpuprofile files (from `npm run bench -- --cpu-prof=DIR`): self time per package
// (node_modules/<name>, node internals, src/<area>, native/GC) and the top functions. With the
// windows.json the bench writes next to them, samples are split into service runs, direct runs and
// the rest (start-up, table loads), so an upload's cost is not mixed with the stand-in's imports.
// Run: npx tsx bench/profile-summary.ts DIR|FILE… [--top=N]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface RunWindow {
  kind: string;
  startUs: number;
  endUs: number;
}

const args = process.argv.slice(2);
const top = Number(args.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 25);
const files = args
  .filter((arg) => !arg.startsWith('--'))
  .flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .map((name) => join(path, name))
      : [path],
  );
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts DIR|FILE… [--top=N]\n');
  process.exit(2);
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const windowsPath = join(dirname(file), 'windows.json');
  const windows: RunWindow[] = existsSync(windowsPath)
    ? (JSON.parse(readFileSync(windowsPath, 'utf8')) as RunWindow[])
    : [];
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Self time per node id, per slice (a run kind, or everything when there are no windows).
  const slices = new Map<string, Map<number, number>>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    const slice =
      windows.length === 0
        ? 'all samples'
        : `${windows.find((window) => at >= window.startUs && at <= window.endUs)?.kind ?? 'outside'} runs`;
    const self = slices.get(slice) ?? new Map<number, number>();
    self.set(id, (self.get(id) ?? 0) + delta);
    slices.set(slice, self);
  });
  process.stdout.write(`\n=== ${file}\n`);
  for (const [slice, selfUs] of [...slices].sort()) {
    if (slice === 'outside runs') {
      const us = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
      process.stdout.write(
        `\n--- outside the timed runs (start-up, table loads): ${(us / 1e6).toFixed(1)} s\n`,
      );
      continue;
    }
    summarise(slice, selfUs, byId);
  }
}

function summarise(slice: string, selfUs: Map<number, number>, byId: Map<number, ProfileNode>): void {
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(frame.url, frame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const print = (title: string, entries: Map<string, number>, limit: number) => {
    process.stdout.write(`${title}\n`);
    for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      process.stdout.write(
        `  ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}\n`,
      );
    }
  };
  process.stdout.write(`\n--- ${slice}: ${(totalUs / 1e6).toFixed(1)} s sampled\n`);
  print('self time by package', byPackage, 15);
  print(`top ${top} functions by self time`, byFunction, top);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]?.split('/')[0] ?? ''}`;
  return url;
}
