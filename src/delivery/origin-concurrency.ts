import type { ClaimedDelivery } from '../core/model.js';
import type { LaneRule } from './lanes.js';

/**
 * At most `limit` sends in flight per origin (scheme, host and port), however many subscriptions
 * share it: the outbound pool of that origin never needs more connections than this, and
 * subscriptions on one receiver host cannot together take every overall slot. Each subscription
 * still has its own cap (subscriptionConcurrency), so one hanging subscription holds only its
 * own part of the origin's share. Composes with the other lane rules (rate limits, circuits).
 */
export function originConcurrency(limit: number): LaneRule {
  const active = new Map<string, number>();
  const origins = new Map<string, string>();
  // Parsing a URL per admission is wasteful: subscriptions are few, their URLs fixed.
  const originOf = (claimed: ClaimedDelivery): string => {
    const url = claimed.subscription.url;
    let origin = origins.get(url);
    if (origin === undefined) {
      if (origins.size >= 10_000) origins.clear();
      origin = URL.canParse(url) ? new URL(url).origin : url;
      origins.set(url, origin);
    }
    return origin;
  };
  return {
    name: 'origin-concurrency',
    admit: (claimed) => ((active.get(originOf(claimed)) ?? 0) < limit ? 'go' : 'wait'),
    started(claimed) {
      const origin = originOf(claimed);
      active.set(origin, (active.get(origin) ?? 0) + 1);
    },
    finished(claimed) {
      const origin = originOf(claimed);
      const left = (active.get(origin) ?? 1) - 1;
      if (left === 0) active.delete(origin);
      else active.set(origin, left);
    },
  };
}
