import type { EpochMs } from '../core/model.js';

// Per-subscription limits, enforced where every worker meets: the claim. A claim of a limited
// subscription's deliveries holds its throttle row (SQLite: the sender's write lock; PostgreSQL:
// FOR UPDATE), counts what every worker has in flight, and takes one token per delivery it claims.
// Claimed deliveries are sent at once (they wait only for a free slot), so what is claimed per
// second is what is sent per second. This file is the arithmetic both stores share.

/** A subscription's token bucket as stored (subscription_throttles). */
export interface Throttle {
  tokens: number;
  /** The rate in force: the configured limit, or less after a 429 while it grows back. */
  rate: number;
  refilledAt: EpochMs;
  /** Nothing is claimed before this (a 429's Retry-After). */
  blockedUntil: EpochMs;
}

/** What a limited subscription is allowed and has: its settings, its bucket and what all workers hold in flight. */
export interface LimitState {
  rateLimitPerSecond: number | null;
  maxInFlight: number | null;
  throttle: Throttle | null;
  inFlight: number;
}

/** After a 429 the rate in force is halved, but never below this (requests per second). */
export const MIN_ADAPTED_RATE = 0.1;
/** Each second after a cut, the rate in force grows back by this share of the configured limit. */
export const RECOVERY_PER_SECOND = 0.1;
/** How long a 429 without Retry-After holds the subscription back. */
export const DEFAULT_429_PAUSE_MS = 1_000;
/** A Retry-After longer than this holds the subscription back only this long (the deliveries' own retries still honour it). */
export const MAX_429_PAUSE_MS = 10 * 60_000;

/** The bucket holds at most one second of the configured rate (at least one token): the largest burst. */
export function burstOf(rateLimitPerSecond: number): number {
  return Math.max(1, rateLimitPerSecond);
}

/** A new bucket: full, at the configured rate. */
export function freshThrottle(rateLimitPerSecond: number | null, now: EpochMs): Throttle {
  const rate = rateLimitPerSecond ?? 0;
  return { tokens: rateLimitPerSecond === null ? 0 : burstOf(rate), rate, refilledAt: now, blockedUntil: 0 };
}

/** The bucket brought up to now: tokens for the time passed (none while blocked), the rate grown back toward the limit. */
export function refill(throttle: Throttle, rateLimitPerSecond: number, now: EpochMs): Throttle {
  const from = Math.max(throttle.refilledAt, throttle.blockedUntil);
  const seconds = Math.max(0, now - from) / 1000;
  const rate = Math.min(rateLimitPerSecond, throttle.rate + rateLimitPerSecond * RECOVERY_PER_SECOND * seconds);
  // Tokens accrue at the rate in force at the start of the interval: conservative while it grows back.
  const tokens = Math.min(burstOf(rateLimitPerSecond), throttle.tokens + Math.min(throttle.rate, rateLimitPerSecond) * seconds);
  return { tokens, rate, refilledAt: Math.max(now, throttle.refilledAt), blockedUntil: throttle.blockedUntil };
}

/**
 * How many deliveries a claim may take of a limited subscription now, and its bucket brought up
 * to now (the caller takes the tokens of what it actually claims with `spend`).
 */
export function allowance(state: LimitState, now: EpochMs): { room: number; throttle: Throttle } {
  let throttle = state.throttle ?? freshThrottle(state.rateLimitPerSecond, now);
  let room = Number.POSITIVE_INFINITY;
  if (state.rateLimitPerSecond !== null) {
    throttle = refill(throttle, state.rateLimitPerSecond, now);
    room = now < throttle.blockedUntil ? 0 : Math.floor(throttle.tokens + 1e-9);
  }
  if (state.maxInFlight !== null) room = Math.min(room, state.maxInFlight - state.inFlight);
  return { room: Math.max(0, room), throttle };
}

/** The bucket after claiming `claimed` deliveries. */
export function spend(throttle: Throttle, claimed: number): Throttle {
  return { ...throttle, tokens: Math.max(0, throttle.tokens - claimed) };
}

/** Whether a subscription has a limit that the claim must account for. */
export function isLimited(limits: { rateLimitPerSecond: number | null; maxInFlight: number | null }): boolean {
  return limits.rateLimitPerSecond !== null || limits.maxInFlight !== null;
}
