import { HookpostError } from './errors.js';
import type { RetryOverride } from './model.js';

/**
 * When to try a delivery again. `delaysMs[n]` is the wait before attempt n+1, so `delaysMs[0]`
 * (normally 0) is the first attempt and the length is the number of attempts in all.
 */
export interface RetryPolicy {
  delaysMs: number[];
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/** Svix's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each ±20 %. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysMs: ['0', '5s', '5m', '30m', '2h', '5h', '10h', '10h'].map(parseDuration),
  jitter: 0.2,
};

/** Milliseconds of `500ms`, `5s`, `5m`, `2h`, `1d` or a bare number of milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new HookpostError('bad_request', `"${text}" is not a duration (like 500ms, 5s, 5m, 2h).`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

/**
 * The wait after `attemptsMade` failed attempts, or null when the schedule is exhausted.
 * `random` returns a number in [0, 1), injected so that tests can pin the jitter.
 */
export function nextRetryDelay(policy: RetryPolicy, attemptsMade: number, random: () => number): number | null {
  const base = policy.delaysMs[attemptsMade];
  if (base === undefined) return null;
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}

/**
 * A receiver's Retry-After (429, 503) is honoured, but kept between the scheduled delay and
 * twice it, so a receiver can neither hurry us nor park a delivery for days.
 */
export function clampRetryAfter(scheduledMs: number, retryAfterMs: number | null): number {
  if (retryAfterMs === null) return scheduledMs;
  return Math.min(Math.max(retryAfterMs, scheduledMs), scheduledMs * 2);
}

/**
 * The policy for one subscription: its own delays (before attempts 2, 3, …) replace the instance's
 * after the first attempt, and its attempt count cuts the schedule short or repeats its last delay.
 */
export function retryPolicyFor(instance: RetryPolicy, override: RetryOverride | null): RetryPolicy {
  if (!override) return instance;
  let delaysMs = override.scheduleMs ? [instance.delaysMs[0] ?? 0, ...override.scheduleMs] : [...instance.delaysMs];
  const max = override.maxAttempts;
  if (max !== null) {
    const last = delaysMs.at(-1) ?? 0;
    delaysMs = delaysMs.length >= max ? delaysMs.slice(0, max) : [...delaysMs, ...Array<number>(max - delaysMs.length).fill(last)];
  }
  return { delaysMs, jitter: instance.jitter };
}

/** The most attempts and the longest delay a subscription's own retry policy may ask for. */
export const RETRY_OVERRIDE_LIMITS = { maxAttempts: 50, maxDelayMs: 7 * 86_400_000 } as const;
