// An HTTP proxy in front of a Storage API that reports every job as still `processing`: a job
// that never finishes, on demand, for tests of what happens while the importer waits for one.
// Everything else passes through unchanged; S3 traffic does not go through it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface JobHoldingProxy {
  url: string;
  /** GET jobs/{id} answers served so far (each rewritten to `processing`). */
  readonly jobPolls: number;
  close(): Promise<void>;
}

const JOB_PATH = /^\/v2\/storage\/(branch\/[^/]+\/)?jobs\/\d+$/;

export async function startJobHoldingProxy(targetUrl: string): Promise<JobHoldingProxy> {
  const target = new URL(targetUrl);
  let jobPolls = 0;
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '/';
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path,
        headers: { ...incoming.headers, host: target.host },
      },
      async (answer) => {
        const isJob = incoming.method === 'GET' && JOB_PATH.test(path.split('?')[0] ?? '');
        if (!isJob || answer.statusCode !== 200) {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          await pipeline(answer, outgoing).catch(() => {});
          return;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of answer) chunks.push(chunk as Buffer);
        const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        jobPolls += 1;
        const held = JSON.stringify({ ...job, status: 'processing', results: null, endTime: null });
        outgoing.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(held),
        });
        outgoing.end(held);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    pipeline(incoming, upstream).catch(() => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get jobPolls() {
      return jobPolls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
