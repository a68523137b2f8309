// A token that cannot be a Storage token (CR/LF, NUL, spaces, characters outside ASCII, absurd
// length) is refused with 401 importer.tokenMalformed before any Storage call or upload slot, on
// every route, and it never shows up in an answer, a log line or /metrics. The error renderer also
// blanks an offered token out of any message and caps every echoed value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { renderError } from '../../src/http/error-body.js';
import { createLogger } from '../../src/logger.js';
import { buildRequest, exchange } from '../support/raw-request.js';
import {
  expectNoSecrets,
  metricSum,
  type ReliabilityService,
  startReliabilityService,
} from '../support/reliability-service.js';

const SECRET_PART = 'leak-me-4f9d1c2b7a';
const BAD_TOKENS: Array<[string, string]> = [
  ['CR/LF', `${SECRET_PART}\r\nX-Evil: 1`],
  ['LF', `${SECRET_PART}\nmore`],
  ['NUL', `${SECRET_PART}\u0000tail`],
  ['a non-Latin-1 character', `${SECRET_PART}ж`],
  ['a Latin-1 letter', `${SECRET_PART}é`],
  ['an inner space', `${SECRET_PART} tail`],
  ['600 characters', `${SECRET_PART}${'x'.repeat(600)}`],
];
const ROUTES: Array<[string, string, Record<string, string>, string]> = [
  ['POST', '/write-table?tableId=in.c-shape.t', { 'Content-Type': 'text/csv' }, 'id\n1\n'],
  ['POST', '/write-table?tableId=in.c-shape.t', { 'Content-Type': 'application/json' }, '{"a":1}'],
  ['POST', '/upload-file?name=x.csv', { 'Content-Type': 'text/csv' }, 'id\n1\n'],
  ['GET', '/jobs/1', {}, ''],
];

describe('token shape', () => {
  let service: ReliabilityService;
  const answers: string[] = [];
  beforeAll(async () => {
    service = await startReliabilityService();
  });
  afterAll(() => service.close());

  it.each(BAD_TOKENS)(
    'refuses a token with %s in ?token= on every route, before any Storage call',
    async (_, token) => {
      const callsBefore = metricSum(await service.metrics(), 'table_importer_storage_api_calls_total');
      for (const [method, path, headers, body] of ROUTES) {
        const answer = await exchange(
          service.url,
          buildRequest({
            method,
            path: `${path}&token=${encodeURIComponent(token)}`.replace('/jobs/1&', '/jobs/1?'),
            headers,
            body,
          }),
        );
        answers.push(JSON.stringify(answer));
        expect({ route: `${method} ${path}`, status: answer.status, code: answer.json?.code }).toEqual({
          route: `${method} ${path}`,
          status: 401,
          code: 'importer.tokenMalformed',
        });
      }
      expect(metricSum(await service.metrics(), 'table_importer_storage_api_calls_total')).toBe(callsBefore);
    },
  );

  it('refuses a header token with bytes outside ASCII (Latin-1 on the wire)', async () => {
    const head = `POST /write-table?tableId=in.c-shape.t HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-StorageApi-Token: ${SECRET_PART}\xe9\xff\r\nContent-Type: text/csv\r\nContent-Length: 5\r\n\r\nid\n1\n`;
    const answer = await exchange(service.url, Buffer.from(head, 'latin1'));
    answers.push(JSON.stringify(answer));
    expect({ status: answer.status, code: answer.json?.code }).toEqual({
      status: 401,
      code: 'importer.tokenMalformed',
    });
  });

  it('never echoed or logged any of them', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expectNoSecrets([...service.logs, ...answers, await service.metrics()], { token: SECRET_PART });
    expect(metricSum(await service.metrics(), 'table_importer_http_requests_total', { status: '502' })).toBe(
      0,
    );
  });
});

describe('error rendering', () => {
  const context = (secrets: string[]) => ({
    logger: createLogger('silent'),
    requestId: 'r',
    method: 'POST',
    path: '/write-table',
    secrets,
  });

  it('blanks an offered token out of the message and the details, whatever layer wrote them', () => {
    const token = 'tok-5e1f0a9b3c7d';
    const rendered = renderError(
      new AppError(502, 'importer.storageUnreachable', `header value "${token}" is invalid`, {
        hint: `x${token}`,
      }),
      context([token]),
    );
    expect(JSON.stringify(rendered.body)).not.toContain(token);
    expect(rendered.body.error).toContain('[redacted]');
  });

  it('caps the message and every echoed value', () => {
    const huge = 'c'.repeat(20 * 1024 * 1024);
    const rendered = renderError(
      new AppError(400, 'importer.invalidKey', `Key "${huge}" cannot become a column.`, {
        key: huge,
        nested: { list: Array.from({ length: 10_000 }, () => huge) },
      }),
      context([]),
    );
    expect(JSON.stringify(rendered.body).length).toBeLessThan(32 * 1024);
    expect(rendered.body.error.length).toBeLessThanOrEqual(4097);
    expect((rendered.body.key as string).length).toBeLessThanOrEqual(201);
  });
});
