import type { EpochMs } from '../core/model.js';
import { candidateOf, type CandidateRow as SharedCandidateRow, type ClaimCandidate } from './claim-shares.js';
import { allowance, isLimited, spend, type Throttle } from './subscription-limits.js';

/** A candidate row of either store's CLAIM_CANDIDATES: claim-shares' row, with the subscription's limits. */
export interface CandidateRow extends SharedCandidateRow {
  rate_limit_per_second: number | null;
  max_in_flight: number | null;
}

/** A subscription_throttles row as read beside a LEFT JOIN (all null when it has none yet). */
export interface ThrottleRow {
  tokens: number | null;
  rate: number | null;
  refilled_at: number | null;
  blocked_until: number | null;
}

/** A claim candidate with its subscription's limits. */
export interface LimitedCandidate extends ClaimCandidate {
  rateLimitPerSecond: number | null;
  maxInFlight: number | null;
}

/** What the store read of a limited subscription under the claim's lock. */
export interface LimitReading {
  throttle: Throttle | null;
  /** What every claimer holds in flight (unexpired leases). */
  inFlight: number;
}

export function toCandidate(row: CandidateRow, perSubscription: number, settled?: ReadonlyMap<string, number>): LimitedCandidate {
  return {
    ...candidateOf(row, perSubscription, settled?.get(row.subscription_id)),
    rateLimitPerSecond: row.rate_limit_per_second === null ? null : Number(row.rate_limit_per_second),
    maxInFlight: row.max_in_flight === null ? null : Number(row.max_in_flight),
  };
}

export function toThrottle(row: ThrottleRow | undefined): Throttle | null {
  if (!row || row.tokens === null) return null;
  return { tokens: Number(row.tokens), rate: Number(row.rate), refilledAt: Number(row.refilled_at), blockedUntil: Number(row.blocked_until) };
}

/** The candidates whose limits the claim must read (and lock) first, in id order (the lock order). */
export function limitedIds(found: LimitedCandidate[]): string[] {
  return found.filter(isLimited).map((c) => c.subscriptionId).sort();
}

/**
 * One claim's accounting of limited subscriptions, the same on both stores: each limited
 * candidate's room is cut to what its bucket and its cap allow now, the store reports what it
 * claimed of each, and `throttles` gives the buckets to write back (tokens taken for exactly
 * what was claimed). The store holds the subscriptions' throttle rows locked from reading them
 * until the write, so claims of other workers wait rather than over-take.
 */
export class LimitedClaim {
  readonly candidates: ClaimCandidate[];
  readonly #buckets = new Map<string, Throttle>();
  readonly #claimed = new Map<string, number>();

  constructor(found: LimitedCandidate[], now: EpochMs, readings: Map<string, LimitReading>) {
    this.candidates = found.map((candidate) => {
      const reading = readings.get(candidate.subscriptionId);
      if (!reading) return candidate;
      const allowed = allowance({ ...candidate, ...reading }, now);
      this.#buckets.set(candidate.subscriptionId, allowed.throttle);
      return { ...candidate, room: Math.min(candidate.room, allowed.room) };
    });
  }

  claimed(subscriptionId: string, count: number): void {
    this.#claimed.set(subscriptionId, (this.#claimed.get(subscriptionId) ?? 0) + count);
  }

  /** The buckets to write back, by subscription id. */
  throttles(): Array<[string, Throttle]> {
    return [...this.#buckets].map(([id, bucket]) => [id, spend(bucket, this.#claimed.get(id) ?? 0)]);
  }
}
