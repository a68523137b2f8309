// The Dockerfile's invariants, read from the file since no Docker engine runs here: two Node 22
// stages, a production-only runtime that runs node directly on the built entry point as a non-root
// user, and a .dockerignore that keeps local state out of the build context.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { productionMallocEnv, productionNodeFlags } from '../../bench/production-node-flags.js';
import { loadConfig } from '../../src/config.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFile(new URL(path, root), 'utf8');

/** Splits a Dockerfile into stages of instructions, joining `\` continuations and dropping comments. */
function parseDockerfile(text: string): Stage[] {
  const logicalLines: string[] = [];
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logicalLines.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logicalLines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else if (instruction.keyword !== 'ARG' || stages.length > 0) {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile: ${instruction.keyword} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

const argsOf = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `ENV A=1 B=2` pairs of a stage (the values here carry no spaces or quotes). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      if (name && value.length > 0) env[name] = value.join('=');
    }
  }
  return env;
}

describe('Dockerfile', () => {
  let build: Stage;
  let runtime: Stage;

  beforeAll(async () => {
    const stages = parseDockerfile(await read('Dockerfile'));
    expect(stages).toHaveLength(2);
    [build, runtime] = stages as [Stage, Stage];
  });

  it('builds and runs on Node 22 slim', () => {
    expect(build.image).toMatch(/^node:22(\.\d+)*-slim$/);
    expect(runtime.image).toMatch(/^node:22(\.\d+)*-slim$/);
    expect(build.name).toBeDefined();
  });

  it('builds dist/ with dev dependencies in the first stage', async () => {
    const runs = argsOf(build, 'RUN');
    expect(runs.some((run) => /\bnpm ci\b/.test(run) && !run.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');

    const pkg = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    // tsc -p tsconfig.build.json, then src/web (the browser page) copied to dist/web.
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    const buildScript = await read('scripts/build.mjs');
    expect(buildScript).toContain("'tsconfig.build.json'");
    expect(buildScript).toContain("cpSync('src/web', join(outDir, 'web')");
    expect(argsOf(build, 'COPY')).toEqual(expect.arrayContaining(['scripts ./scripts', 'src ./src']));
    const tsconfigBuild = JSON.parse(await read('tsconfig.build.json')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    // src/main.ts → dist/main.js, the file CMD runs.
    expect(tsconfigBuild.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    await expect(read('src/main.ts')).resolves.toBeTypeOf('string');
  });

  it('runs with production dependencies only and the built output of the first stage', () => {
    const runs = argsOf(runtime, 'RUN');
    expect(runs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm (run|run-script|start|exec)\b|\btsc\b/.test(run))).toBe(false);
    expect(argsOf(runtime, 'COPY')).toContain(`--from=${build.name} /app/dist ./dist`);
    expect(envOf(runtime).NODE_ENV).toBe('production');
  });

  it('leaves local mode out: only locked production dependencies, no node_modules from the build', () => {
    // Local mode's packages are devDependencies (test/deploy/dependencies.test.ts); any other way
    // into the runtime stage would bring DuckDB and s3rver back.
    const npmCommands = argsOf(runtime, 'RUN').flatMap((run) => run.match(/\bnpm\s+[^&|;]+/g) ?? []);
    const installs = npmCommands.filter((command) => !/^npm\s+cache\s+clean\b/.test(command));
    expect(installs).toHaveLength(1);
    const [install = ''] = installs;
    expect(install).toMatch(/^npm ci\b/);
    expect(install).toContain('--omit=dev');
    expect(install).not.toMatch(/--include[= ]dev|--production=false|--also[= ]dev/);
    expect(argsOf(runtime, 'COPY')).toContain('package.json package-lock.json ./');
    const fromBuild = argsOf(runtime, 'COPY').filter((args) => args.startsWith('--from='));
    expect(fromBuild).toEqual([`--from=${build.name} /app/dist ./dist`]);
  });

  it('drops root before CMD', () => {
    const users = argsOf(runtime, 'USER');
    const user = users.at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:.*)?$/);
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.lastIndexOf('CMD'));
  });

  it('exposes the port the app listens on in remote mode', () => {
    const env = envOf(runtime);
    expect(argsOf(runtime, 'EXPOSE')).toEqual(['8080']);
    const config = loadConfig({ ...env, KBC_URL: 'https://connection.keboola.com' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(env.KBC_URL).toBeUndefined();
  });

  it('makes node itself PID 1, running dist/main.js (exec form, no npm or shell)', () => {
    expect(argsOf(runtime, 'ENTRYPOINT')).toEqual([]);
    const cmds = argsOf(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    const cmd = JSON.parse(cmds[0] as string) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/main.js');
    // Between them only node/V8 flags, and exactly the ones the bench starts its importer with.
    const flags = cmd.slice(1, -1);
    for (const flag of flags) expect(flag).toMatch(/^--[a-z][a-z0-9-]*(=[A-Za-z0-9._-]+)?$/);
    expect(productionNodeFlags(fileURLToPath(root))).toEqual(flags);
  });

  it('sets the malloc tunables the bench measures the importer with', () => {
    const malloc = Object.fromEntries(
      Object.entries(envOf(runtime)).filter(([name]) => name.startsWith('MALLOC_')),
    );
    expect(Object.keys(malloc).length).toBeGreaterThan(0);
    expect(productionMallocEnv(fileURLToPath(root))).toEqual(malloc);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, local state, build and test output and git out of the context', async () => {
    const patterns = (await read('.dockerignore'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const required of ['node_modules', '.local-storage', 'dist', '.test-output', 'coverage', '.git']) {
      expect(patterns).toContain(required);
    }
    // What the build stage copies must stay in the context.
    for (const needed of [
      'src',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      expect(patterns.some((pattern) => pattern === needed || pattern === `${needed}/`)).toBe(false);
    }
  });
});
