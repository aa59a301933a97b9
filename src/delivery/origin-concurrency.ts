import type { ClaimedDelivery, EpochMs } from '../core/model.js';
import type { LaneRule } from './lanes.js';

/** How the per-origin rule is sized. */
export interface OriginConcurrencyOptions {
  /** Sends in flight to one origin at most, whatever its subscriptions add up to (HOOKPOST_ORIGIN_CONNECTIONS). */
  maxPerOrigin: number;
  /** A subscription's sends in flight at most in this process (HOOKPOST_ENDPOINT_CONCURRENCY). */
  perSubscription: number;
  /** A subscription with nothing in flight and no send asked for this long stops counting towards its origin. */
  forgetAfterMs?: number;
}

const FORGET_AFTER_MS = 60_000;

/**
 * Sizes each origin (scheme, host and port) for the subscriptions currently sending to it: its
 * limit is the sum of their limits (`max_in_flight` when set, never more than the per-subscription
 * cap), capped by `maxPerOrigin`. Below the cap every subscription may use its whole limit; once
 * the sum passes it, each gets its proportional part of the cap (at least one), so a hanging
 * subscription still holds only its own part and the others keep sending. The outbound pool of
 * an origin opens connections only as sends need them, so it never grows past this limit.
 */
export function originConcurrency(options: OriginConcurrencyOptions): LaneRule {
  const forgetAfterMs = options.forgetAfterMs ?? FORGET_AFTER_MS;
  const origins = new Map<string, OriginState>();
  const originOf = originResolver();
  let lastSweep = -Infinity;

  // Subscriptions that stopped sending are dropped, so the maps hold only recent senders.
  const sweep = (now: EpochMs): void => {
    if (now - lastSweep < forgetAfterMs) return;
    lastSweep = now;
    for (const [origin, state] of origins) {
      for (const [id, sender] of state.senders) {
        if (sender.active === 0 && now - sender.seenAt >= forgetAfterMs) {
          state.senders.delete(id);
          state.totalLimit -= sender.limit;
        }
      }
      if (state.senders.size === 0) origins.delete(origin);
    }
  };

  // The subscription is sending to its origin: it counts (with its current limit) from now on.
  const senderOf = (claimed: ClaimedDelivery, now: EpochMs): { state: OriginState; sender: Sender } => {
    const origin = originOf(claimed);
    let state = origins.get(origin);
    if (state === undefined) {
      state = { active: 0, totalLimit: 0, senders: new Map() };
      origins.set(origin, state);
    }
    const { id } = claimed.subscription;
    let sender = state.senders.get(id);
    if (sender === undefined) {
      sender = { active: 0, limit: 0, seenAt: now };
      state.senders.set(id, sender);
    }
    // A subscription's max_in_flight may change while it sends: the claim carries the current one.
    const limit = subscriptionLimit(claimed, options.perSubscription);
    state.totalLimit += limit - sender.limit;
    sender.limit = limit;
    sender.seenAt = now;
    return { state, sender };
  };

  return {
    name: 'origin-concurrency',
    group: originOf,
    admit(claimed, now) {
      sweep(now);
      const { state, sender } = senderOf(claimed, now);
      // At the cap itself no sender of this origin may start, whoever else starts asking: the lanes
      // skip its other lanes until a send finishes (those lanes' subscriptions count once asked).
      if (state.active >= options.maxPerOrigin) return 'full';
      const originLimit = Math.min(options.maxPerOrigin, state.totalLimit);
      const share = originShare(sender.limit, state.totalLimit, options.maxPerOrigin);
      return state.active < originLimit && sender.active < share ? 'go' : 'wait';
    },
    started(claimed, now) {
      const { state, sender } = senderOf(claimed, now);
      state.active += 1;
      sender.active += 1;
    },
    finished(claimed, _finish, now) {
      const { state, sender } = senderOf(claimed, now);
      state.active = Math.max(0, state.active - 1);
      sender.active = Math.max(0, sender.active - 1);
      sweep(now);
    },
  };
}

/** A subscription's own limit on sends in flight: its `max_in_flight`, within the per-subscription cap. */
export function subscriptionLimit(claimed: ClaimedDelivery, perSubscription: number): number {
  const own = claimed.subscription.maxInFlight;
  return own === null || own === undefined ? perSubscription : Math.min(own, perSubscription);
}

/**
 * What one subscription (with limit `limit`) may have in flight to an origin whose current
 * senders' limits add up to `totalLimit` (its own included) and which allows `maxPerOrigin` at
 * most: its whole limit while they fit, else its proportional part of the cap, at least one.
 */
export function originShare(limit: number, totalLimit: number, maxPerOrigin: number): number {
  if (totalLimit <= maxPerOrigin) return limit;
  return Math.max(1, Math.floor((maxPerOrigin * limit) / totalLimit));
}

interface OriginState {
  /** Sends in flight to the origin. */
  active: number;
  /** The sum of its senders' limits. */
  totalLimit: number;
  /** Subscriptions sending to it, by id. */
  senders: Map<string, Sender>;
}

interface Sender {
  active: number;
  limit: number;
  /** When it last asked to send, started or finished a send. */
  seenAt: EpochMs;
}

// Parsing a URL per admission is wasteful: subscriptions are few, their URLs fixed.
function originResolver(): (claimed: ClaimedDelivery) => string {
  const origins = new Map<string, string>();
  return (claimed) => {
    const url = claimed.subscription.url;
    let origin = origins.get(url);
    if (origin === undefined) {
      if (origins.size >= 10_000) origins.clear();
      origin = URL.canParse(url) ? new URL(url).origin : url;
      origins.set(url, origin);
    }
    return origin;
  };
}
