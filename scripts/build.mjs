// `npm run build`: compiles src/ with tsc (extra arguments such as `--outDir <dir>` go to tsc),
// then copies the browser page's static files (src/web) to <outDir>/web, where the service reads them.
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', ...args], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const outDirAt = args.indexOf('--outDir');
const outDir = outDirAt === -1 ? 'dist' : args[outDirAt + 1];
cpSync('src/web', join(outDir, 'web'), { recursive: true });
