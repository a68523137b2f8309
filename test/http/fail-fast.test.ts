// createFailFast on its own: the first failure wins and aborts the shared signal, a client that
// leaves counts as a failure, guard() races work against it, run() turns a drain deadline into 503.
import { describe, expect, it } from 'vitest';
import { createFailFast } from '../../src/ingest/fail-fast.js';

const never = () => new Promise<never>(() => {});

describe('fail-fast', () => {
  it('the first failure aborts the signal and is what every guarded await rejects with', async () => {
    const client = new AbortController();
    const failFast = createFailFast(client.signal);
    const guarded = failFast.guard(never());
    const first = new Error('first');
    failFast.fail(first);
    failFast.fail(new Error('second'));
    expect(failFast.signal.aborted).toBe(true);
    expect(failFast.signal.reason).toBe(first);
    await expect(guarded).rejects.toBe(first);
    await expect(failFast.guard(never())).rejects.toBe(first);
  });

  it('a guarded promise that rejects fails the request for everyone else', async () => {
    const failFast = createFailFast(new AbortController().signal);
    const other = failFast.guard(never());
    const cause = new Error('S3 said no');
    await expect(failFast.guard(Promise.reject(cause))).rejects.toBe(cause);
    await expect(other).rejects.toBe(cause);
    expect(failFast.signal.aborted).toBe(true);
  });

  it('resolves like the guarded promise while nothing failed', async () => {
    const failFast = createFailFast(new AbortController().signal);
    await expect(failFast.guard(Promise.resolve(42))).resolves.toBe(42);
    expect(failFast.signal.aborted).toBe(false);
  });

  it('a client that goes away is importer.clientDisconnected', async () => {
    const client = new AbortController();
    const failFast = createFailFast(client.signal);
    const guarded = failFast.guard(never());
    client.abort();
    await expect(guarded).rejects.toMatchObject({ status: 499, code: 'importer.clientDisconnected' });
    expect(failFast.signal.aborted).toBe(true);
  });

  it('an already gone client fails at once', async () => {
    const client = new AbortController();
    client.abort();
    await expect(createFailFast(client.signal).guard(never())).rejects.toMatchObject({
      code: 'importer.clientDisconnected',
    });
  });

  it('run(): what the work throws fails the request', async () => {
    const failFast = createFailFast(new AbortController().signal);
    const cause = new Error('body unreadable');
    await expect(failFast.run(() => Promise.reject(cause))).rejects.toBe(cause);
    expect(failFast.signal.reason).toBe(cause);
  });

  it('run(): the drain deadline fails the work with 503 importer.shuttingDown, before or during it', async () => {
    const deadline = new AbortController();
    const failFast = createFailFast(new AbortController().signal);
    const running = failFast.run(() => failFast.guard(never()), deadline.signal);
    deadline.abort();
    await expect(running).rejects.toMatchObject({ status: 503, code: 'importer.shuttingDown' });

    const late = createFailFast(new AbortController().signal);
    await expect(late.run(() => late.guard(never()), deadline.signal)).rejects.toMatchObject({
      code: 'importer.shuttingDown',
    });
  });

  it('run(): once the work is done the drain deadline no longer fails anything', async () => {
    const deadline = new AbortController();
    const failFast = createFailFast(new AbortController().signal);
    await expect(failFast.run(async () => 'uploaded', deadline.signal)).resolves.toBe('uploaded');
    deadline.abort();
    expect(failFast.signal.aborted).toBe(false);
  });
});
