import { ROOM_SLOT } from '../core/handoff-room.js';
import type { Subscription } from '../core/model.js';
import { isOrdered } from '../store/new-deliveries.js';
import type { NewDelivery } from '../store/store.js';

/** What a hand-off needs from the engine it feeds (on this thread or the delivery thread). */
export interface HandoffTarget {
  /** The dispatcher's lease owner: handed-off deliveries are written leased to it. */
  owner: string;
  leaseMs: number;
  /**
   * The room the engine keeps for handed-off deliveries, shared with it (a SharedArrayBuffer
   * across threads; slots in core/handoff-room.ts): `left` units are left; a publish takes one unit
   * per delivery it leases, the engine gives it back when that delivery's outcome is written or it
   * is handed back. The last `fanOutReserved` units are a wide fan-out's only: an event to more
   * than `fanOutWidth` subscriptions (see `lease`); the rest is the engine's window and a batch's
   * room past it (core/handoff-room.ts, BATCH_ROOM).
   */
  room: Int32Array;
  /**
   * Gives the engine the ids of deliveries written leased to it (after their commit), each once,
   * with each one's subscription (the engine reads them by subscription, in turn) and when the
   * earliest of their leases runs out (it renews only those about to).
   */
  take(deliveryIds: string[], subscriptionIds: string[], leasedUntil: number): void;
}

/**
 * The hand-off of a publish's deliveries to the delivery engine of the same process. A delivery
 * that is due at once, to a subscription the engine may send to without asking the store (no
 * ordering, rate limit or cross-worker in-flight cap), is written already leased to the engine and,
 * once committed, given to it directly: it is sent without waiting for a claim, the claim's
 * transaction is saved, and the other dispatchers are not woken for it. Within the engine's room
 * only; past it deliveries are written pending and claimed as before. Nothing depends on the
 * hand-off arriving: a leased delivery whose engine died is claimed again when its lease runs out
 * (on SQLite, at the next start), like any claimed one.
 */
export class DeliveryHandoff {
  readonly #target: HandoffTarget;
  #ready: string[] = [];
  #readySubscriptions: string[] = [];
  #leasedUntil = Number.POSITIVE_INFINITY;
  #flushing = false;
  #stuck: ReadonlySet<string> = new Set();

  constructor(target: HandoffTarget) {
    this.#target = target;
  }

  /**
   * The subscriptions the engine reports stuck (a hanging endpoint's: all its sends held, none
   * succeeding, see Dispatcher.onStuckChange), replacing the last report. Their deliveries are
   * written pending, for the claim: leased, they would wait in the engine's queue until its next
   * sweep handed them back, an insert and an update each, and with five hanging endpoints beside
   * five healthy ones those updates took a fifth of the delivery thread (docs/performance.md).
   */
  setStuck(subscriptionIds: Iterable<string>): void {
    this.#stuck = new Set(subscriptionIds);
  }

  /**
   * The delivery as it is to be written: leased to the engine if it can take it now, else unchanged.
   * `width`: how many subscriptions its event goes to. Only the deliveries of an event to more
   * subscriptions than a claim takes (`fanOutWidth`, HOOKPOST_CLAIM_BATCH_SIZE) may take the fan-out's
   * part of the room: such an event is claimed one delivery per subscription a claim, each claim
   * paying its scan for as many subscriptions as deliveries, the costliest claim there is. The rest
   * of the room takes a batch's deliveries past the engine's window: they wait in its queue, read by
   * subscription in turn, instead of being claimed.
   */
  lease(subscription: Subscription, delivery: NewDelivery, now: number, width = 1): NewDelivery {
    // An ordered delivery ('' is the whole subscription's group) waits for its group's head, which only a claim knows.
    if (delivery.dueAt > now || isOrdered(delivery) || subscription.rateLimitPerSecond || subscription.maxInFlight || this.#stuck.has(subscription.id)) return delivery;
    const { room } = this.#target;
    const reserved = Atomics.load(room, ROOM_SLOT.fanOutReserved);
    const fansOut = width > Atomics.load(room, ROOM_SLOT.fanOutWidth);
    const left = Atomics.sub(room, ROOM_SLOT.left, 1);
    if (left <= (fansOut ? 0 : reserved)) {
      Atomics.add(room, ROOM_SLOT.left, 1);
      return delivery;
    }
    return { ...delivery, lease: { owner: this.#target.owner, until: now + this.#target.leaseMs } };
  }

  /**
   * After the write: hands the leased deliveries over if their event was written, else gives
   * their room back (a repeated event id writes nothing; a failed commit neither).
   */
  settle(deliveries: NewDelivery[], written: boolean): void {
    for (const delivery of deliveries) {
      if (!delivery.lease) continue;
      if (!written) {
        Atomics.add(this.#target.room, ROOM_SLOT.left, 1);
        continue;
      }
      this.#ready.push(delivery.id);
      this.#readySubscriptions.push(delivery.subscriptionId);
      this.#leasedUntil = Math.min(this.#leasedUntil, delivery.lease.until);
    }
    // The publishes committed in one group settle in the same turn: one hand-off for all of them.
    if (this.#ready.length > 0 && !this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => {
        this.#flushing = false;
        const ids = this.#ready;
        const subscriptionIds = this.#readySubscriptions;
        const leasedUntil = this.#leasedUntil;
        this.#ready = [];
        this.#readySubscriptions = [];
        this.#leasedUntil = Number.POSITIVE_INFINITY;
        this.#target.take(ids, subscriptionIds, leasedUntil);
      });
    }
  }
}
