// The Location of a 202 never comes from the request's Host (or X-Forwarded-*) header, which any
// client sets: it is relative by default, and absolute only from the configured PUBLIC_URL.
import { afterAll, describe, expect, it } from 'vitest';
import { multipart } from '../support/http-client.js';
import { buildRequest, exchange } from '../support/raw-request.js';
import { type ReliabilityService, startReliabilityService } from '../support/reliability-service.js';

async function acceptedWithHost(service: ReliabilityService, tableId: string) {
  const body = multipart(
    [
      ['tableId', tableId],
      ['wait', '0'],
    ],
    'id\n1\n',
  );
  const request = new Request('http://x/', { method: 'POST', body });
  const contentType = request.headers.get('content-type') as string;
  const answer = await exchange(
    service.url,
    buildRequest({
      path: '/write-table',
      headers: {
        Host: 'evil.example',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'evil.example',
        'X-StorageApi-Token': service.token,
        'Content-Type': contentType,
      },
      body: Buffer.from(await request.arrayBuffer()),
    }),
  );
  expect(answer.status, answer.text).toBe(202);
  const jobId = (answer.json?.job as { id: number } | undefined)?.id;
  return { location: answer.headers.location, jobId };
}

describe('Location header', () => {
  const services: ReliabilityService[] = [];
  afterAll(async () => {
    for (const service of services) await service.close();
  });

  it('is relative without PUBLIC_URL, whatever Host says', async () => {
    const service = await startReliabilityService();
    services.push(service);
    const { location, jobId } = await acceptedWithHost(service, 'in.c-loc.relative');
    expect(location).toBe(`/jobs/${jobId}`);
    const polled = await fetch(new URL(location as string, service.url), {
      headers: { 'X-StorageApi-Token': service.token, Host: 'evil.example' },
    });
    expect([200, 202]).toContain(polled.status);
    if (polled.status === 202) expect(polled.headers.get('location')).toBe(`/jobs/${jobId}`);
  });

  it('is PUBLIC_URL + /jobs/{id} when configured', async () => {
    const service = await startReliabilityService({ PUBLIC_URL: 'https://importer.example.com/' });
    services.push(service);
    const { location, jobId } = await acceptedWithHost(service, 'in.c-loc.public');
    expect(location).toBe(`https://importer.example.com/jobs/${jobId}`);
  });
});
