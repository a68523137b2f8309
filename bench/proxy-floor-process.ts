// The CPU floor of an upload proxy, as a child process of the bench: `proxy` receives a request
// body, copies it into fixed part buffers (a pool, reused) and PUTs each full part to the sink with
// up to QUEUE parts in flight (no SDK, no signing, no multipart parsing); `sink` counts the bytes.
// Prints `ready <port>` on stdout. Run: node --import tsx bench/proxy-floor-process.ts proxy|sink …
import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const [role, sinkUrl, partBytesArg, queueArg] = process.argv.slice(2);

function listen(server: ReturnType<typeof createServer>): void {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
  });
}

if (role === 'sink') {
  let total = 0;
  listen(
    createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        total += chunk.length;
      });
      req.on('end', () => res.end(String(total)));
    }),
  );
} else if (role === 'proxy' && sinkUrl) {
  const partBytes = Number(partBytesArg);
  const queue = Number(queueArg);
  const agent = new Agent({ keepAlive: true, maxSockets: queue });
  const pool: Buffer[] = [];
  const put = (part: Buffer, length: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const out = request(sinkUrl, { method: 'PUT', agent, headers: { 'Content-Length': String(length) } });
      out.once('response', (res) => {
        res.resume();
        res.once('end', () => {
          pool.push(part);
          resolve();
        });
      });
      out.once('error', reject);
      out.end(length === part.length ? part : part.subarray(0, length));
    });

  const proxy = async (req: IncomingMessage): Promise<number> => {
    const inFlight = new Set<Promise<void>>();
    let part = pool.pop() ?? Buffer.allocUnsafe(partBytes);
    let filled = 0;
    let total = 0;
    const flush = async () => {
      const sending = put(part, filled);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      part = pool.pop() ?? Buffer.allocUnsafe(partBytes);
      filled = 0;
      if (inFlight.size >= queue) await Promise.race(inFlight);
    };
    for await (const chunk of req as AsyncIterable<Buffer>) {
      total += chunk.length;
      let at = 0;
      while (at < chunk.length) {
        const copied = chunk.copy(part, filled, at);
        filled += copied;
        at += copied;
        if (filled === partBytes) await flush();
      }
    }
    if (filled > 0) await flush();
    await Promise.all(inFlight);
    return total;
  };

  listen(
    createServer((req, res) => {
      proxy(req).then(
        (total) => res.end(JSON.stringify({ bytes: total })),
        (err: Error) => {
          res.statusCode = 502;
          res.end(err.message);
        },
      );
    }),
  );
} else {
  process.stderr.write('usage: proxy-floor-process.ts sink | proxy <sinkUrl> <partBytes> <queue>\n');
  process.exit(2);
}
