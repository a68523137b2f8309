// What the local stand-in's fault injection may do, as data: per target (a Storage endpoint kind, an
// S3 request kind, or the job runner) a rate of failures, resets or added latency, plus an RNG seed.
// Parses the LOCAL_FAULTS variable (compact list or JSON); applies nothing itself (fault-injector.ts).

/** Storage API endpoint kinds, as the importer calls them. */
export const STORAGE_TARGETS = [
  'prepare',
  'import',
  'create',
  'job',
  'jobs',
  'table',
  'bucket',
  'file',
  'other',
] as const;
/** S3 request kinds seen by the fault proxy in front of the embedded S3. */
export const S3_TARGETS = ['s3-part', 's3-put', 's3-create', 's3-complete', 's3-abort', 's3-other'] as const;

export type StorageTarget = (typeof STORAGE_TARGETS)[number];
export type S3Target = (typeof S3_TARGETS)[number];
/** `job-run`: the work of a Storage job (latency only: a slow job). */
export type FaultTarget = StorageTarget | S3Target | 'job-run';
/** `*` = every Storage endpoint kind, `s3` = every S3 request kind. */
export type RuleTarget = FaultTarget | '*' | 's3';

export const FAILURE_KINDS = ['500', '502', '503', '429', 'reset-before', 'reset-after'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
export type FaultKind = FailureKind | 'latency';

export interface FaultRule {
  target: RuleTarget;
  fault: FaultKind;
  /**
   * Probability per request, 0..1. Failure rules matching one request share a single draw, so
   * their rates add up (and one failure at most is injected); each latency rule draws on its own.
   */
  rate: number;
  /** For `latency`: added delay. */
  latencyMs?: number;
}

export interface FaultPlan {
  seed: number;
  /** Retry-After (seconds) on injected 503 and 429 answers. */
  retryAfterSeconds: number;
  rules: FaultRule[];
}

export const NO_FAULTS: FaultPlan = { seed: 1, retryAfterSeconds: 1, rules: [] };

const RULE_TARGETS: readonly string[] = [...STORAGE_TARGETS, ...S3_TARGETS, 'job-run', '*', 's3'];
const FAULT_KINDS: readonly string[] = [...FAILURE_KINDS, 'latency'];

export class FaultPlanError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid fault plan: ${problems.join('; ')}`);
    this.name = 'FaultPlanError';
  }
}

/**
 * `seed:7,retry-after:1,*:503:0.05,import:reset-after:0.1,job:latency:0.2:300,s3-part:500:0.1`
 * (entries split by commas or whitespace; `<target>:<fault>:<rate>[:<latencyMs>]`), or the same
 * as JSON: `{"seed":7,"retryAfterSeconds":1,"rules":[{"target":"import","fault":"500","rate":0.1}]}`.
 */
export function parseFaultPlan(text: string): FaultPlan {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new FaultPlanError([`not valid JSON (${(err as Error).message})`]);
    }
    return validateFaultPlan(parsed);
  }
  const plan: { seed?: number; retryAfterSeconds?: number; rules: unknown[] } = { rules: [] };
  const problems: string[] = [];
  for (const entry of trimmed.split(/[\s,]+/).filter(Boolean)) {
    const parts = entry.split(':');
    const [head, ...rest] = parts;
    if (head === 'seed' && rest.length === 1) plan.seed = Number(rest[0]);
    else if (head === 'retry-after' && rest.length === 1) plan.retryAfterSeconds = Number(rest[0]);
    else if (parts.length === 3 || parts.length === 4) {
      const [target, fault, rate, latencyMs] = parts;
      plan.rules.push({
        target,
        fault,
        rate: Number(rate),
        ...(latencyMs === undefined ? {} : { latencyMs: Number(latencyMs) }),
      });
    } else
      problems.push(
        `"${entry.slice(0, 60)}" is not <target>:<fault>:<rate>[:<ms>], seed:<n> or retry-after:<s>`,
      );
  }
  try {
    const validated = validateFaultPlan(plan);
    if (problems.length > 0) throw new FaultPlanError(problems);
    return validated;
  } catch (err) {
    if (err instanceof FaultPlanError) throw new FaultPlanError([...problems, ...err.problems]);
    throw err;
  }
}

/** Checks a plan given as data (JSON, or an object from a test) and fills in defaults. */
export function validateFaultPlan(input: unknown): FaultPlan {
  const problems: string[] = [];
  const source = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  if (input === null || typeof input !== 'object') problems.push('the plan must be an object');
  const seed = source.seed ?? NO_FAULTS.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) problems.push('seed must be an integer');
  const retryAfterSeconds = source.retryAfterSeconds ?? NO_FAULTS.retryAfterSeconds;
  if (
    typeof retryAfterSeconds !== 'number' ||
    !Number.isInteger(retryAfterSeconds) ||
    retryAfterSeconds < 0
  ) {
    problems.push('retryAfterSeconds must be a non-negative integer');
  }
  const rawRules = source.rules ?? [];
  if (!Array.isArray(rawRules)) problems.push('rules must be an array');
  const rules: FaultRule[] = [];
  for (const [index, raw] of (Array.isArray(rawRules) ? rawRules : []).entries()) {
    const rule = (raw ?? {}) as Record<string, unknown>;
    const where = `rule ${index + 1}`;
    const { target, fault, rate, latencyMs } = rule;
    if (typeof target !== 'string' || !RULE_TARGETS.includes(target)) {
      problems.push(`${where}: target must be one of ${RULE_TARGETS.join(', ')}`);
      continue;
    }
    if (typeof fault !== 'string' || !FAULT_KINDS.includes(fault)) {
      problems.push(`${where}: fault must be one of ${FAULT_KINDS.join(', ')}`);
      continue;
    }
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      problems.push(`${where}: rate must be a number from 0 to 1`);
      continue;
    }
    if (fault === 'latency' && (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= 600_000))) {
      problems.push(`${where}: latency needs latencyMs from 0 to 600000`);
      continue;
    }
    if (target === 'job-run' && fault !== 'latency') {
      problems.push(`${where}: job-run supports only latency`);
      continue;
    }
    rules.push({
      target: target as RuleTarget,
      fault: fault as FaultKind,
      rate,
      ...(fault === 'latency' ? { latencyMs: latencyMs as number } : {}),
    });
  }
  if (problems.length > 0) throw new FaultPlanError(problems);
  return { seed: seed as number, retryAfterSeconds: retryAfterSeconds as number, rules };
}

/** One line for logs and the start banner, e.g. `seed 7: import reset-after 10%, s3-part 500 5%`. */
export function describeFaultPlan(plan: FaultPlan): string {
  if (plan.rules.length === 0) return `seed ${plan.seed}: no faults`;
  const rules = plan.rules.map(
    (rule) =>
      `${rule.target} ${rule.fault}${rule.fault === 'latency' ? ` ${rule.latencyMs} ms` : ''} ${Math.round(rule.rate * 1000) / 10}%`,
  );
  return `seed ${plan.seed}: ${rules.join(', ')}`;
}
