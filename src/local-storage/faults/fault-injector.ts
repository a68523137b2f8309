// Decides, request by request, which fault (if any) the stand-in injects: a seeded RNG (mulberry32)
// so a run with the same plan and the same request order is reproducible, and counters of what was
// injected. Reconfigurable at run time; it decides only — the Storage and S3 layers apply.
import {
  type FailureKind,
  type FaultPlan,
  type FaultTarget,
  NO_FAULTS,
  type RuleTarget,
  S3_TARGETS,
  STORAGE_TARGETS,
  validateFaultPlan,
} from './fault-plan.js';

export interface FaultDecision {
  /** Added delay before the request is handled (0 for none). */
  latencyMs: number;
  failure: FailureKind | undefined;
}

export interface FaultInjector {
  readonly plan: FaultPlan;
  /** Replaces the rules and restarts the RNG from the plan's seed (validated; throws FaultPlanError). */
  configure(plan: Partial<FaultPlan>): void;
  decide(target: FaultTarget): FaultDecision;
  /** Counts by `<target>:<fault>` of what was injected since the last configure(). */
  injected(): Record<string, number>;
  /** Requests seen per target since the last configure(). */
  seen(): Record<string, number>;
}

export function createFaultInjector(plan: Partial<FaultPlan> = NO_FAULTS): FaultInjector {
  let current = validateFaultPlan({ ...NO_FAULTS, ...plan });
  let random = mulberry32(current.seed);
  let injected: Record<string, number> = {};
  let seen: Record<string, number> = {};
  const count = (counts: Record<string, number>, key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  return {
    get plan() {
      return current;
    },
    configure(next) {
      current = validateFaultPlan({ ...NO_FAULTS, ...next });
      random = mulberry32(current.seed);
      injected = {};
      seen = {};
    },
    decide(target) {
      count(seen, target);
      let latencyMs = 0;
      for (const rule of current.rules) {
        if (rule.fault !== 'latency' || !ruleApplies(rule.target, target)) continue;
        if (random() < rule.rate) {
          latencyMs += rule.latencyMs ?? 0;
          count(injected, `${target}:latency`);
        }
      }
      // One draw for all failure rules: their rates add up (10% 500 + 10% reset = 20% failures).
      const draw = random();
      let cumulative = 0;
      for (const rule of current.rules) {
        if (rule.fault === 'latency' || !ruleApplies(rule.target, target)) continue;
        cumulative += rule.rate;
        if (draw < cumulative) {
          count(injected, `${target}:${rule.fault}`);
          return { latencyMs, failure: rule.fault };
        }
      }
      return { latencyMs, failure: undefined };
    },
    injected: () => ({ ...injected }),
    seen: () => ({ ...seen }),
  };
}

function ruleApplies(ruleTarget: RuleTarget, target: FaultTarget): boolean {
  if (ruleTarget === target) return true;
  if (ruleTarget === '*') return (STORAGE_TARGETS as readonly string[]).includes(target);
  if (ruleTarget === 's3') return (S3_TARGETS as readonly string[]).includes(target);
  return false;
}

/** A small, fast, seedable PRNG: floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
