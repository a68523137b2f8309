// Every JSON answer ends with a newline (curl's output must not run into the shell prompt):
// successes, errors from the one error handler, 404/405, and errors Node's parser answers itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocalService } from '../support/local-service.js';
import { exchange } from '../support/raw-request.js';

describe('JSON answers end with a newline', () => {
  let service: LocalService;
  beforeAll(async () => {
    service = await startLocalService();
  });
  afterAll(() => service.close());

  it('for successes and errors alike, with a Content-Length that counts it', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['/health', {}],
      ['/nope', {}],
      ['/write-table', { method: 'GET' }],
      ['/write-table', { method: 'POST' }],
      [
        '/write-table?tableId=in.c-nl.t',
        {
          method: 'POST',
          headers: { 'X-StorageApi-Token': service.token, 'Content-Type': 'text/csv' },
          body: 'a\n1\n',
        },
      ],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(`${service.url}${path}`, init);
      const text = await response.text();
      expect(text.endsWith('}\n'), `${path}: ${JSON.stringify(text)}`).toBe(true);
      const length = response.headers.get('content-length');
      if (length !== null) expect(Number(length), path).toBe(Buffer.byteLength(text));
    }
  });

  it("for a request Node's HTTP parser refuses", async () => {
    const answer = await exchange(service.url, Buffer.from('GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(answer.status).toBe(400);
    expect(answer.text.endsWith('}\n')).toBe(true);
  });
});
