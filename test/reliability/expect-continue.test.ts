// `Expect: 100-continue`: a request the importer refuses from its headers alone (token, content
// type, a field in the query, a full house) gets its final answer with no "100 Continue" first, so
// the client never sends the body; an admitted one gets the 100 and, after its body, a 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaw } from '../support/raw-socket.js';
import { type ReliabilityService, startReliabilityService } from '../support/reliability-service.js';

const head = (path: string, headers: Record<string, string>, length: number) =>
  [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Expect: 100-continue',
    `Content-Length: ${length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');

/** Sends only the head and waits for the first status line the server writes. */
async function firstAnswer(
  url: string,
  requestHead: string,
): Promise<{ text: string; send(body: string): Promise<string> }> {
  const raw = await openRaw(url);
  await raw.write(requestHead);
  const deadline = Date.now() + 5_000;
  while (!/\r\n\r\n/.test(raw.received()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  const text = raw.received();
  return {
    text,
    async send(body) {
      await raw.write(body);
      // The final answer follows the interim 100: wait for its whole JSON body.
      const final = /HTTP\/1\.1 ([2-5]\d\d) [^\r]*\r\n[\s\S]*?\r\n\r\n(\{[\s\S]*\})\n?$/;
      const until = Date.now() + 10_000;
      let match = final.exec(raw.received());
      while (!match && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 10));
        match = final.exec(raw.received());
      }
      raw.destroy();
      if (!match) throw new Error(`no final answer: ${JSON.stringify(raw.received().slice(0, 300))}`);
      const parsed = JSON.parse(match[2] as string) as { code?: string; status?: string };
      return `${match[1]} ${parsed.code ?? parsed.status}`;
    },
  };
}

describe('Expect: 100-continue', () => {
  let service: ReliabilityService;
  beforeAll(async () => {
    service = await startReliabilityService({ MAX_CONCURRENT_UPLOADS: '1' });
  });
  afterAll(() => service.close());

  it.each([
    [
      'a malformed token',
      '/write-table?tableId=in.c-cont.t',
      { 'X-StorageApi-Token': 'bad token', 'Content-Type': 'text/csv' },
      401,
    ],
    ['no token', '/upload-file', { 'Content-Type': 'text/csv' }, 401],
    ['an unsupported content type', '/write-table?tableId=in.c-cont.t', { 'Content-Type': 'image/png' }, 415],
    ['an invalid tableId in the query', '/write-table?tableId=nope', { 'Content-Type': 'text/csv' }, 400],
    [
      'an unsupported Content-Encoding',
      '/write-table?tableId=in.c-cont.t',
      { 'Content-Type': 'text/csv', 'Content-Encoding': 'br' },
      415,
    ],
  ])('%s: the refusal comes without a 100 Continue', async (_, path, headers, status) => {
    const withToken =
      'X-StorageApi-Token' in headers || status === 401
        ? headers
        : { ...headers, 'X-StorageApi-Token': service.token };
    const answer = await firstAnswer(service.url, head(path, withToken, 5));
    expect(answer.text).not.toMatch(/^HTTP\/1\.1 100/);
    expect(answer.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  });

  it('an admitted request gets 100 Continue, then its answer', async () => {
    const answer = await firstAnswer(
      service.url,
      head(
        '/write-table?tableId=in.c-cont.ok',
        { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
        5,
      ),
    );
    expect(answer.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    expect(await answer.send('id\n1\n')).toBe('200 success');
    expect((await service.getTable('in.c-cont.ok')).rowsCount).toBe(1);
  });

  it('a full house is answered 503 without a 100 Continue', async () => {
    const holder = await firstAnswer(
      service.url,
      head(
        '/write-table?tableId=in.c-cont.hold',
        { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
        5,
      ),
    );
    expect(holder.text).toMatch(/^HTTP\/1\.1 100/);
    const refused = await firstAnswer(
      service.url,
      head('/upload-file?name=x.csv', { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' }, 5),
    );
    expect(refused.text).toMatch(/^HTTP\/1\.1 503 /);
    expect(await holder.send('id\n1\n')).toBe('200 success');
  });
});
