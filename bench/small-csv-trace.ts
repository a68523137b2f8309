// `npx tsx bench/small-csv-trace.ts [--requests=N] [--runtime=dist|tsx]`: where a 10-row CSV's
// milliseconds go. The importer (remote mode) reaches the stand-in and its S3 through two
// pass-through proxies in this process that stamp every call; the median timeline of N requests
// (the same ones `--only=small` sends) is printed, each call as start → end, ms after the request,
// with the CPU milliseconds per request of the importer and of the stand-in's process.
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { pipeline } from 'node:stream/promises';
import { readCpuSeconds } from './proc-stats.js';
import { smallCsvSender } from './scenarios/small-csv.js';
import { startService } from './service-process.js';
import { median, round } from './stats.js';

interface Call {
  name: string;
  startMs: number;
  endMs: number;
}

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name ?? '', value ?? ''];
  }),
);
const REQUESTS = Number(args.get('requests') ?? 30);
const runtime = args.get('runtime') === 'tsx' ? 'tsx' : 'dist';

let requestStart = 0;
/** New connections the importer opened to each proxy (keep-alive reuse shows as few). */
const connections = new Map<string, number>();
let calls: Call[] = [];
const upstreamAgent = new Agent({ keepAlive: true });

/** A pass-through proxy to `target()` that records each call's name and its start/end. */
function startProxy(label: string, target: () => string): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const startMs = performance.now() - requestStart;
    const url = new URL(req.url ?? '/', target());
    const upstream = request(
      url,
      { method: req.method, headers: req.headers, agent: upstreamAgent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        pipeline(answer, res).then(
          () =>
            calls.push({
              name: `${label} ${req.method} ${callName(url)}`,
              startMs,
              endMs: performance.now() - requestStart,
            }),
          () => undefined,
        );
      },
    );
    pipeline(req, upstream).catch(() => undefined);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    connections.set(label, (connections.get(label) ?? 0) + 1);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

function callName(url: URL): string {
  const path = url.pathname.replace(/\/v2\/storage\//, '').replace(/\d+/g, '{id}');
  if (url.searchParams.has('uploads')) return `${path.split('/')[0]} CreateMultipartUpload`;
  if (url.searchParams.has('uploadId')) return `${path.split('/')[0]} Part/Complete`;
  return path.length > 60 ? `${path.slice(0, 60)}…` : path;
}

let storageTarget = 'http://127.0.0.1:1';
let s3Target = 'http://127.0.0.1:1';
const storageProxy = await startProxy('storage', () => storageTarget);
const s3Proxy = await startProxy('s3', () => s3Target);
const service = await startService({
  topology: 'split',
  runtime,
  env: {
    KBC_URL: `http://127.0.0.1:${storageProxy.port}`,
    S3_ENDPOINT: `http://127.0.0.1:${s3Proxy.port}`,
  },
});
storageTarget = service.storageUrl;
s3Target = service.s3Endpoint;

const send = await smallCsvSender(service, 'multipart');
const timelines: { totalMs: number; calls: Call[]; timings: Record<string, number> }[] = [];
let cpuMs = { importer: Number.NaN, standIn: Number.NaN };
try {
  let cpuAtStart = { importer: 0, standIn: 0 };
  for (let i = 0; i < REQUESTS + 5; i++) {
    calls = [];
    requestStart = performance.now();
    const answer = await send();
    if (answer.status !== 200) throw new Error(`answer ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (i === 4)
      cpuAtStart = { importer: readCpuSeconds(service.pid), standIn: readCpuSeconds(service.storagePid) };
    // Proxies record a call when its answer was piped: wait for the last one.
    await new Promise((resolve) => setImmediate(resolve));
    if (i >= 5) {
      timelines.push({
        totalMs: answer.ms,
        calls: calls.sort((a, b) => a.startMs - b.startMs),
        timings: answer.body.timings as Record<string, number>,
      });
    }
  }
  cpuMs = {
    importer: ((readCpuSeconds(service.pid) - cpuAtStart.importer) * 1000) / REQUESTS,
    standIn: ((readCpuSeconds(service.storagePid) - cpuAtStart.standIn) * 1000) / REQUESTS,
  };
} finally {
  await service.stop();
  storageProxy.server.close();
  s3Proxy.server.close();
  upstreamAgent.destroy();
}

// Calls by name and occurrence (the 3rd jobs/{id} poll is its own row).
const rows = new Map<string, { starts: number[]; ends: number[] }>();
for (const { calls: list } of timelines) {
  const seen = new Map<string, number>();
  for (const call of list) {
    const n = (seen.get(call.name) ?? 0) + 1;
    seen.set(call.name, n);
    const key = n > 1 ? `${call.name} #${n}` : call.name;
    const row = rows.get(key) ?? { starts: [], ends: [] };
    row.starts.push(call.startMs);
    row.ends.push(call.endMs);
    rows.set(key, row);
  }
}
const ordered = [...rows.entries()].sort((a, b) => median(a[1].starts) - median(b[1].starts));
console.log(`${REQUESTS} requests, medians (ms after the request started; n = requests with that call)`);
for (const [name, row] of ordered) {
  const start = median(row.starts);
  const end = median(row.ends);
  console.log(
    `${name.padEnd(52)} ${String(round(start)).padStart(6)} → ${String(round(end)).padStart(6)}  (${round(end - start)} ms, n=${row.starts.length})`,
  );
}
console.log(`end to end: p50 ${round(median(timelines.map((t) => t.totalMs)))} ms`);
console.log(
  `connections opened by the importer (all ${REQUESTS + 5} requests): ${[...connections].map(([label, count]) => `${label} ${count}`).join(', ')}`,
);
console.log(
  `CPU per request: importer ${round(cpuMs.importer)} ms, stand-in (with s3rver) ${round(cpuMs.standIn)} ms`,
);
for (const key of ['uploadMs', 'jobMs', 'totalMs']) {
  console.log(`service ${key}: median ${median(timelines.map((t) => t.timings[key] ?? Number.NaN))}`);
}
