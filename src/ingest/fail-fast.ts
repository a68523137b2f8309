// One request's cancellation while its body is uploaded: the first failure anywhere (body, upload,
// lookup) aborts the shared signal, so every other await that does I/O stops at once and that
// first failure is what the caller sees. A disconnected client counts as a failure too. Once the
// bytes are in S3 it has done its job: the import phase must not be cut by it.
import { clientDisconnected } from '../errors.js';
import { shuttingDownError } from '../http/drain.js';

export interface FailFast {
  /** Aborted on the first failure or when the client goes away. */
  readonly signal: AbortSignal;
  fail(err: unknown): void;
  /** Resolves like `promise`, or rejects with the first failure, whichever comes first. */
  guard<T>(promise: Promise<T>): Promise<T>;
  /**
   * Runs the upload phase: whatever `work` throws fails the request (stopping everything else),
   * and so does `drainDeadline` aborting meanwhile (503 importer.shuttingDown).
   */
  run<T>(work: () => Promise<T>, drainDeadline?: AbortSignal): Promise<T>;
}

export function createFailFast(clientSignal: AbortSignal): FailFast {
  const controller = new AbortController();
  const signal = AbortSignal.any([clientSignal, controller.signal]);
  let firstFailure: unknown;
  const fail = (err: unknown) => {
    if (firstFailure === undefined) firstFailure = err;
    if (!controller.signal.aborted) controller.abort(err);
  };
  const failed = new Promise<never>((_, reject) => {
    const rejectNow = () => reject(firstFailure ?? clientDisconnected());
    if (signal.aborted) rejectNow();
    else signal.addEventListener('abort', rejectNow, { once: true });
  });
  failed.catch(() => {});
  const onDrainDeadline = () => fail(shuttingDownError());
  return {
    signal,
    fail,
    guard(promise) {
      promise.catch(fail);
      return Promise.race([promise, failed]);
    },
    async run(work, drainDeadline) {
      drainDeadline?.addEventListener('abort', onDrainDeadline, { once: true });
      try {
        if (drainDeadline?.aborted) onDrainDeadline();
        return await work();
      } catch (err) {
        fail(err);
        throw err;
      } finally {
        drainDeadline?.removeEventListener('abort', onDrainDeadline);
      }
    },
  };
}
