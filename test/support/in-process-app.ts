// The importer's createApp with in-process fakes of our own interfaces (a scripted StorageClient,
// no S3, a captured log), served by @hono/node-server's adaptor for supertest: for HTTP behaviour
// that never needs the stand-in, in milliseconds.
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from '../../src/app.js';
import { createUploadSlots } from '../../src/ingest/upload-slots.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { CallContext, StorageClient, StorageSession } from '../../src/storage-api/storage-client.js';

export interface InProcessApp {
  server: Server;
  logs: string[];
  /** Storage calls made, as `method(args)` names with the token they carried. */
  storageCalls: Array<{ method: keyof StorageSession; token: string }>;
}

/** A StorageClient whose sessions answer with `session`; any other call fails the test loudly. */
export function fakeStorage(
  session: Partial<StorageSession>,
  calls: InProcessApp['storageCalls'] = [],
): StorageClient {
  return {
    session(context: CallContext) {
      return new Proxy({} as StorageSession, {
        get(_target, name: keyof StorageSession) {
          return (...args: unknown[]) => {
            calls.push({ method: name, token: context.token });
            const answer = session[name] as ((...a: unknown[]) => unknown) | undefined;
            if (!answer) return Promise.reject(new Error(`unexpected Storage call ${String(name)}`));
            return Promise.resolve(answer(...args));
          };
        },
      });
    },
  };
}

export function startInProcessApp(session: Partial<StorageSession> = {}): InProcessApp {
  const logs: string[] = [];
  const storageCalls: InProcessApp['storageCalls'] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, callback) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    }),
  );
  const metrics = createMetrics();
  const app = createApp({
    logger,
    metrics,
    writeTable: {
      storage: fakeStorage(session, storageCalls),
      // No store: these tests never upload a file (an upload would be 502 unsupportedFileProvider).
      fileStores: {},
      uploadSlots: createUploadSlots(2),
      logger,
      metrics,
      settings: {
        jobPoll: { firstPollDelayMs: 1, maxPollDelayMs: 5 },
        jobSearch: { attempts: 1, delayMs: 1, listLimit: 10 },
        maxFileBytes: 1_000,
        partBytes: 5 * 1024 * 1024,
        queueSize: 1,
        idleTimeoutMs: 5_000,
        defaultWaitSeconds: 5,
        maxWaitSeconds: 60,
      },
    },
  });
  return { server: createAdaptorServer({ fetch: app.fetch }) as Server, logs, storageCalls };
}
