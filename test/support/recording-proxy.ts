// An HTTP proxy in front of a Storage API that records the S3 credentials every files/prepare
// answer hands out, so a test knows which secrets must never show up anywhere. Passes everything
// through unchanged.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface S3Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

export interface RecordingProxy {
  url: string;
  /** Credentials from every files/prepare answer so far. */
  readonly credentials: S3Credentials[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const credentials: S3Credentials[] = [];
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
        if (!/\/files\/prepare$/.test(path.split('?')[0] ?? '')) {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          await pipeline(answer, outgoing).catch(() => {});
          return;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of answer) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        try {
          const parsed = JSON.parse(body.toString('utf8')) as {
            uploadParams?: { credentials?: S3Credentials };
          };
          if (parsed.uploadParams?.credentials) credentials.push(parsed.uploadParams.credentials);
        } catch {
          // Not JSON (an injected fault): nothing handed out.
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        outgoing.end(body);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    pipeline(incoming, upstream).catch(() => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    credentials,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
