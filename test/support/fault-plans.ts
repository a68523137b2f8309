// Fault plans shared by the reliability scenarios that run under load (with and without
// idempotency keys), so both exercise the same failures.
import type { FaultPlan } from '../../src/local-storage/faults/fault-plan.js';

/** 20 % failures on every Storage endpoint kind and on every S3 upload request, plus some latency. */
export const FAULTS_20_PERCENT: Partial<FaultPlan> = {
  seed: 20_240_601,
  // 429/503 still carry Retry-After (the retry path that honours it runs); 0 s keeps the run short.
  // Waiting a real Retry-After is asserted in test/storage-api/.
  retryAfterSeconds: 0,
  rules: [
    { target: '*', fault: '500', rate: 0.04 },
    { target: '*', fault: '502', rate: 0.03 },
    { target: '*', fault: '503', rate: 0.04 },
    { target: '*', fault: '429', rate: 0.03 },
    { target: '*', fault: 'reset-before', rate: 0.03 },
    { target: '*', fault: 'reset-after', rate: 0.03 },
    { target: '*', fault: 'latency', rate: 0.1, latencyMs: 30 },
    { target: 's3-part', fault: '500', rate: 0.06 },
    { target: 's3-part', fault: '503', rate: 0.06 },
    { target: 's3-part', fault: 'reset-before', rate: 0.05 },
    { target: 's3-part', fault: 'reset-after', rate: 0.03 },
    { target: 's3-put', fault: '500', rate: 0.06 },
    { target: 's3-put', fault: '503', rate: 0.06 },
    { target: 's3-put', fault: 'reset-before', rate: 0.05 },
    { target: 's3-put', fault: 'reset-after', rate: 0.03 },
  ],
};
