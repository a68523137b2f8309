// The JSON → CSV conversion alone, in this process: the json phase's records (NDJSON and a JSON
// array) in 64 KiB chunks through jsonBodyToCsv, with and without the gzip write-table puts after
// it. Prints CPU milliseconds per MB (10^6 bytes) of JSON, best of the runs, per format.
// Run: npx tsx bench/json-convert.ts [--mb=32] [--runs=3]
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import type { JsonBodyFormat } from '../src/ingest/json-body-type.js';
import { jsonBodyToCsv } from '../src/routes/write-table/json/json-body-to-csv.js';
import { createJsonColumns } from '../src/routes/write-table/json/json-columns.js';
import { jsonRecord } from './scenarios/json-throughput.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MB = arg('mb', 32);
const RUNS = arg('runs', 3);

function body(format: JsonBodyFormat, megabytes: number): Buffer[] {
  const records = Math.round((megabytes * 1e6) / (jsonRecord(1).length + 1));
  const texts: string[] = [];
  for (let i = 1; i <= records; i += 1) texts.push(jsonRecord(i));
  const all = Buffer.from(format === 'json' ? `[${texts.join(',\n')}]` : `${texts.join('\n')}\n`);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += 65536) chunks.push(all.subarray(at, at + 65536));
  return chunks;
}

async function convert(format: JsonBodyFormat, chunks: Buffer[], gzip: boolean): Promise<number> {
  const columns = createJsonColumns({ tableColumns: [], maxColumns: 5000 });
  const converter = jsonBodyToCsv(Readable.from(chunks), {
    format,
    columns,
    sample: { sampleRecords: 1000, sampleBytes: 8 * 1024 * 1024 },
    maxRecordBytes: 16 * 1024 * 1024,
    maxBodyBytes: 2 ** 40,
  });
  await converter.readSample();
  let bytes = 0;
  const count = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) bytes += chunk.length;
  };
  if (gzip) await pipeline(converter.csv(), createGzip({ level: constants.Z_BEST_SPEED }), count);
  else await count(converter.csv());
  return bytes;
}

for (const format of ['ndjson', 'json'] as const) {
  const chunks = body(format, MB);
  const jsonBytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  await convert(format, body(format, 1), true);
  for (const gzip of [false, true]) {
    let best = Number.POSITIVE_INFINITY;
    let outBytes = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const before = process.cpuUsage();
      outBytes = await convert(format, chunks, gzip);
      const used = process.cpuUsage(before);
      best = Math.min(best, (used.user + used.system) / 1000 / (jsonBytes / 1e6));
    }
    console.log(
      `${format.padEnd(6)} ${gzip ? 'CSV + gzip' : 'CSV       '} ${(jsonBytes / 1e6).toFixed(1)} MB → ${(outBytes / 1e6).toFixed(1)} MB: ${best.toFixed(1)} ms CPU per MB (${(1000 / best).toFixed(0)} MB per CPU second)`,
    );
  }
}
