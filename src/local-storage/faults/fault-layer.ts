// Puts one fault injector in front of every part of the stand-in that can fail: its Storage API,
// the embedded S3 (through a loopback proxy) and the job runner (slow jobs). Only built when fault
// injection is configured; without it the stand-in runs untouched.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hono } from 'hono';
import type { Logger } from '../../logger.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { FaultInjector } from './fault-injector.js';
import { startS3FaultProxy } from './s3-fault-proxy.js';
import { withStorageFaults } from './storage-faults.js';

export interface FaultLayer {
  /** The S3 endpoint to advertise: the fault proxy in front of the embedded S3. */
  s3Endpoint: string;
  wrapApi(api: Hono): Hono;
  wrapJobs(jobs: JobRunner): JobRunner;
  close(): Promise<void>;
}

export async function startFaultLayer(
  injector: FaultInjector,
  options: { s3Endpoint: string; host: string; logger?: Logger },
): Promise<FaultLayer> {
  const proxy = await startS3FaultProxy({
    upstreamUrl: options.s3Endpoint,
    host: options.host,
    injector,
    logger: options.logger,
  });
  return {
    s3Endpoint: proxy.url,
    wrapApi: (api) => withStorageFaults(api, injector, options.logger),
    wrapJobs: (jobs) => ({
      submit: (job, work) =>
        jobs.submit(job, async (running) => {
          const { latencyMs } = injector.decide('job-run');
          if (latencyMs > 0) await sleep(latencyMs);
          return work(running);
        }),
      close: () => jobs.close(),
    }),
    close: () => proxy.close(),
  };
}
