// Regression: every upload built an S3 client that was never destroyed, so its keep-alive sockets
// stayed open (a 64-upload burst left hundreds). Counts this process's established connections to
// the embedded S3 (the service runs in-process) after bursts of different sizes.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../support/importer-requests.js';
import { type LocalService, startLocalService } from '../support/local-service.js';

const ESTABLISHED = '01';

/** A port that was free a moment ago, for the embedded S3 (its connections are counted by port). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Established TCP connections whose remote end is `port` (client sides only), from /proc/net. */
async function connectionsTo(port: number): Promise<number> {
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, , remote, state] = line.trim().split(/\s+/);
      if (state === ESTABLISHED && remote && Number.parseInt(remote.split(':')[1] ?? '', 16) === port) {
        count += 1;
      }
    }
  }
  return count;
}

describe.runIf(process.platform === 'linux')('S3 clients are destroyed after their upload', () => {
  let service: LocalService;
  let s3Port: number;
  beforeAll(async () => {
    s3Port = await freePort();
    service = await startLocalService({ LOCAL_S3_PORT: String(s3Port) });
  });
  afterAll(() => service.close());

  const burst = async (uploads: number) => {
    const results = await Promise.all(
      Array.from({ length: uploads }, (_, i) =>
        send(`${service.url}/upload-file?name=burst-${i}.csv`, {
          headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
          body: `id\n${i}\n`,
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
  };

  it('leaves no more open connections to S3 after 24 uploads than after 3', async () => {
    const baseline = await connectionsTo(s3Port);
    await burst(3);
    const afterFew = await connectionsTo(s3Port);
    await burst(16);
    await burst(5);
    const afterMany = await connectionsTo(s3Port);
    // Without the fix: at least one idle keep-alive socket per upload (3, then 24).
    expect(afterFew - baseline).toBeLessThanOrEqual(1);
    expect(afterMany - baseline).toBeLessThanOrEqual(1);
  });
});
