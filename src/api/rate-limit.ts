import type { FastifyRequest } from 'fastify';
import { HookpostError } from '../core/errors.js';

/** A token bucket per key: `perMinute` requests a minute on average, bursts up to `perMinute`. */
export interface RateLimiter {
  /** Takes one request from `key`'s bucket; throws rate_limited (with the seconds to wait) when it is empty. */
  take(key: string, what: string): void;
}

// Idle buckets are full buckets, so forgetting them changes nothing; past this many keys the
// full ones are swept, and if all are busy the map starts over rather than grow without bound.
const MAX_BUCKETS = 100_000;

/** A limiter; `perMinute` 0 lets everything through. */
export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return {
    take(key, what) {
      if (perMinute === 0) return;
      const t = now();
      const bucket = buckets.get(key);
      const tokens = bucket === undefined ? perMinute : Math.min(perMinute, bucket.tokens + (t - bucket.at) * perMs);
      if (tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
        if (bucket) Object.assign(bucket, { tokens, at: t });
        throw new HookpostError('rate_limited', `Too many requests ${what}; try again in ${retryAfter} s.`, { retry_after: retryAfter });
      }
      if (bucket === undefined && buckets.size >= MAX_BUCKETS) sweep(buckets, t, perMinute, perMs);
      buckets.set(key, { tokens: tokens - 1, at: t });
    },
  };
}

function sweep(buckets: Map<string, { tokens: number; at: number }>, t: number, capacity: number, perMs: number): void {
  for (const [key, bucket] of buckets) if (bucket.tokens + (t - bucket.at) * perMs >= capacity) buckets.delete(key);
  if (buckets.size >= MAX_BUCKETS) buckets.clear();
}

/** The two limits of the API: per client address (before authentication) and per credential (after). */
export function createRequestLimits(config: { perAddressPerMinute: number; perCredentialPerMinute: number }) {
  const byAddress = createRateLimiter(config.perAddressPerMinute);
  const byCredential = createRateLimiter(config.perCredentialPerMinute);
  return {
    checkAddress(request: FastifyRequest) {
      byAddress.take(request.ip, 'from this address');
    },
    checkCredential(request: FastifyRequest) {
      if (request.principal) byCredential.take(`${request.principal.kind}:${request.principal.id}`, 'with this credential');
    },
  };
}
