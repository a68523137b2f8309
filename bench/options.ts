// Command-line options of `npm run bench`: output mode, the full or --quick sizes, and the knobs
// used to explore settings (part size, queue, body encoding, topology, runtime, extra env, profiling).
import { loadConfig } from '../src/config.js';
import type { Provider, Runtime, Topology } from './service-process.js';
import { MIB } from './stats.js';
import type { BodyEncoding } from './write-table-request.js';

export const PHASES = ['throughput', 'json', 'rss', 'small', 'concurrent', 'local'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  json: boolean;
  /** The file storage the stand-in embeds (LOCAL_FILE_PROVIDER) and the importer uploads to. */
  provider: Provider;
  quick: boolean;
  phases: Set<Phase>;
  topology: Topology;
  runtime: Runtime;
  encoding: BodyEncoding;
  throughputBytes: number;
  pairs: number;
  rssBytes: { small: number; large: number };
  smallRequests: number;
  /** Size of each JSON body (NDJSON, then a JSON array) in the json phase. */
  jsonBytes: number;
  concurrentUploads: number;
  /** Phase `local`: rows of the import CSV (60 bytes each), import runs, write-table size for RSS. */
  localRows: number;
  localRuns: number;
  localRssBytes: number;
  partBytes: number;
  queueSize: number;
  /** Passed to the importer as is (after the bench's own settings, so these win). */
  env: Record<string, string>;
  /** The compiled importer's node flags; undefined = the Dockerfile CMD's (production's). */
  importerNodeFlags: string[] | undefined;
  /** Directory for the importer's --cpu-prof output; undefined = no profiling. */
  cpuProfileDir: string | undefined;
  /** File for the importer's --trace-gc log (its stdout); undefined = no GC log. */
  gcLogFile: string | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]
  --json                 print one JSON object as the last line of stdout
  --quick                small sizes for a smoke run (64 MiB, 8 MB JSON, 32/128 MiB, 10 small, 8 concurrent)
  --only=a,b             phases: ${PHASES.join(', ')} (default: all)
  --provider=aws|azure|gcp  file storage (default aws): s3rver, Azurite or the GCS stand-in; the
                         direct baseline uploads with the same store module from the bench process
  --topology=split|local split (default): the local Storage stand-in and its S3 in one process, the
                         importer in another, pointed at it: the service's own CPU and memory, as
                         in production; local: all in one process, as \`npm start\` runs it
  --runtime=dist|tsx     dist (default): compiled like the image; tsx: node --import tsx src/main.ts
  --encoding=multipart|raw  body of the uploads (default multipart, as curl -F)
  --size-mib=N --pairs=N throughput upload size and number of service/direct pairs (default 5; --quick 3)
  --json-mb=N            size of each JSON body in the json phase (default 64; --quick 8)
  --rss-mib=A,B          the two peak-RSS upload sizes (default 256,2048; --quick 32,128)
  --local-rows=N         phase local: rows of the 60-byte-row CSV the stand-in imports (default
                         1000000; --quick 100000), timed over 3 import-async full loads
  --local-rss-mib=N      phase local: write-table size for the local-mode process's peak RSS
                         (default 1024; --quick 128)
  --part-mib=N --queue=N UPLOAD_PART_BYTES / UPLOAD_QUEUE_SIZE for both the service and the baseline
  --env=NAME=VALUE       extra environment for the importer (repeatable)
  --node-flags="A B"     the compiled importer's node flags instead of the Dockerfile CMD's (production's);
                         --node-flags= runs plain node (a before/after of a flag)
  --cpu-prof=DIR         write the importer's V8 CPU profile into DIR
  --trace-gc=FILE        run the importer with --trace-gc, its GC log appended to FILE`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const defaults = loadConfig({});
  const flags = new Map<string, string[]>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    flags.set(match[1], [...(flags.get(match[1]) ?? []), match[2] ?? 'true']);
  }
  const known = [
    'json',
    'quick',
    'only',
    'topology',
    'provider',
    'runtime',
    'encoding',
    'size-mib',
    'rss-mib',
    'local-rows',
    'local-rss-mib',
    'json-mb',
    'pairs',
    'part-mib',
    'queue',
    'env',
    'node-flags',
    'cpu-prof',
    'trace-gc',
    'help',
  ];
  for (const name of flags.keys())
    if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  if (flags.has('help')) throw new Error(USAGE);
  const one = (name: string): string | undefined => flags.get(name)?.at(-1);
  const number = (name: string, fallback: number): number => {
    const raw = one(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const choice = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = one(name) ?? fallback;
    if (!values.includes(raw as T)) throw new Error(`--${name} must be one of ${values.join(', ')}`);
    return raw as T;
  };

  const quick = flags.has('quick');
  const phases = new Set<Phase>(
    (one('only')?.split(',') ?? [...PHASES]).map((phase) => {
      if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`unknown phase "${phase}"`);
      return phase as Phase;
    }),
  );
  const env: Record<string, string> = {};
  for (const pair of flags.get('env') ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--env needs NAME=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const cpuProfile = one('cpu-prof');
  const nodeFlags = one('node-flags');
  return {
    json: flags.has('json'),
    quick,
    provider: choice('provider', ['aws', 'azure', 'gcp'] as const, 'aws'),
    phases,
    topology: choice('topology', ['split', 'local'] as const, 'split'),
    runtime: choice('runtime', ['dist', 'tsx'] as const, 'dist'),
    encoding: choice('encoding', ['multipart', 'raw'] as const, 'multipart'),
    throughputBytes: Math.round(number('size-mib', quick ? 64 : 1024) * MIB),
    // Single runs swing ±20 % with the embedded S3's own speed; five pairs keep the median steady.
    pairs: Math.round(number('pairs', quick ? 3 : 5)),
    rssBytes: parseRssSizes(one('rss-mib') ?? (quick ? '32,128' : '256,2048')),
    smallRequests: quick ? 10 : 50,
    jsonBytes: Math.round(number('json-mb', quick ? 8 : 64) * 1e6),
    concurrentUploads: quick ? 8 : 64,
    localRows: Math.round(number('local-rows', quick ? 100_000 : 1_000_000)),
    localRuns: 3,
    localRssBytes: Math.round(number('local-rss-mib', quick ? 128 : 1024) * MIB),
    partBytes: Math.round(number('part-mib', defaults.uploadPartBytes / MIB) * MIB),
    queueSize: Math.round(number('queue', defaults.uploadQueueSize)),
    env,
    importerNodeFlags:
      nodeFlags === undefined ? undefined : nodeFlags.split(/\s+/).filter((flag) => flag !== ''),
    cpuProfileDir: cpuProfile === undefined || cpuProfile === 'true' ? undefined : cpuProfile,
    gcLogFile: one('trace-gc') === 'true' ? undefined : one('trace-gc'),
  };
}

function parseRssSizes(raw: string): { small: number; large: number } {
  const [small, large] = raw.split(',').map(Number);
  if (!small || !large || small <= 0 || large <= 0)
    throw new Error(`--rss-mib needs two sizes, e.g. 256,2048`);
  return { small: small * MIB, large: large * MIB };
}
