// The hand-off room is an Int32Array in shared memory: the API's thread takes units from it as a
// publish leases deliveries to the delivery engine (service/handoff.ts), and the engine gives them
// back as it writes their outcomes (delivery/dispatcher.ts). Its slots and sizes, named once for
// both sides; here, not in the dispatcher's module, because the API's thread makes the delivery
// thread's room (cli/delivery-thread-handle.ts) and loads none of the engine.
import { randomBytes } from 'node:crypto';
import type { DeliveryConfig } from '../config/config.js';

/** The hand-off room's slots, by what each holds. */
export const ROOM_SLOT = {
  /** Units left: one per delivery a publish may still lease to the engine. */
  left: 0,
  /** Of those, the last ones that only a wide fan-out's deliveries may take. */
  fanOutReserved: 1,
  /** A fan-out is wide when its event goes to more subscriptions than this (a claim's batch). */
  fanOutWidth: 2,
} as const;

/** How many slots the room has (its Int32Array's length). */
export const ROOM_SLOTS = 3;

// Of the hand-off room, the units only a fan-out's deliveries may take (service/handoff.ts): a fan-out
// to this many subscriptions is sent without a claim. What it costs while waiting to be read is an id
// in memory and a share of the lease renewals.
export const FAN_OUT_ROOM = 16_384;
// Past the window (HOOKPOST_DELIVERY_CONCURRENCY), the hand-off room's units that a batch's deliveries
// may take: they wait in the queue, read by subscription in turn, instead of being written pending
// and claimed (a claim costs about twice a hand-off read: its UPDATE moves the row in three indexes).
// 65,536, not 16,384: batch publishes outrun delivery about twice over, so a burst of 40,000 events
// filled 16,384 and a fifth of it was claimed; with 65,536 none was, and the burst was delivered
// 5 to 14 % faster (docs/performance.md, "13th session"). What it costs is an id in memory per
// queued delivery (about 9 MB full) and the lease renewals of those that wait longer than a lease.
export const BATCH_ROOM = 65_536;

/** A new dispatcher's lease owner: unique, so that a restarted process never takes over a dead one's leases by name. */
export function newDispatcherOwner(): string {
  return `dispatcher-${randomBytes(6).toString('hex')}`;
}

/**
 * A dispatcher's hand-off room, full: its window, a batch's room past it and a wide fan-out's (see
 * Dispatcher.handoffRoom in delivery/dispatcher.ts). Filled here, once, by whoever makes it: a
 * publish may take from it before the dispatcher exists.
 */
export function newHandoffRoom(config: Pick<DeliveryConfig, 'concurrency' | 'batchSize'>): Int32Array {
  const room = new Int32Array(new SharedArrayBuffer(ROOM_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  Atomics.store(room, ROOM_SLOT.left, config.concurrency + BATCH_ROOM + FAN_OUT_ROOM);
  Atomics.store(room, ROOM_SLOT.fanOutReserved, FAN_OUT_ROOM);
  Atomics.store(room, ROOM_SLOT.fanOutWidth, config.batchSize);
  return room;
}
