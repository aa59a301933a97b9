import { describe, expect, it } from 'vitest';
import { ROOM_SLOT, ROOM_SLOTS } from '../core/handoff-room.js';
import type { Subscription } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import { DeliveryHandoff } from './handoff.js';

// The publishing side of the hand-off: which deliveries are leased, within the engine's room,
// and what happens to them after the write. The engine's side runs against real stores in
// test/delivery-handoff.test.ts and test/store-reliability.test.ts.

const NOW = 1_700_000_000_000;
const plain = { rateLimitPerSecond: null, maxInFlight: null } as Subscription;

function handoffWithRoom(room: number, fanOutOnly = 0, wide = 2) {
  const shared = new Int32Array(new SharedArrayBuffer(ROOM_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  shared[ROOM_SLOT.left] = room;
  shared[ROOM_SLOT.fanOutReserved] = fanOutOnly;
  shared[ROOM_SLOT.fanOutWidth] = wide;
  const taken: string[][] = [];
  const messages: Array<{ subscriptionIds: string[]; leasedUntil: number }> = [];
  const handoff = new DeliveryHandoff({
    owner: 'engine',
    leaseMs: 5_000,
    room: shared,
    take: (ids, subscriptionIds, leasedUntil) => {
      taken.push(ids);
      messages.push({ subscriptionIds, leasedUntil });
    },
  });
  return { handoff, room: () => shared[ROOM_SLOT.left], taken, messages };
}

const delivery = (id: string, extra: Partial<NewDelivery> = {}): NewDelivery => ({ id, subscriptionId: 'sub_1', dueAt: NOW, ...extra });
const settled = () => new Promise((resolve) => queueMicrotask(() => resolve(undefined)));

describe('DeliveryHandoff', () => {
  it('leases a due delivery to a plain subscription to the engine until the lease runs out, taking a unit of room', () => {
    const { handoff, room } = handoffWithRoom(2);
    expect(handoff.lease(plain, delivery('d1'), NOW)).toEqual({ ...delivery('d1'), lease: { owner: 'engine', until: NOW + 5_000 } });
    expect(room()).toBe(1);
  });

  it('leaves scheduled and ordered deliveries, and rate-limited or capped subscriptions, to the claim', () => {
    const { handoff, room } = handoffWithRoom(10);
    const unchanged = [
      [plain, delivery('later', { dueAt: NOW + 1 })],
      [plain, delivery('whole-subscription', { orderingKey: '' })],
      [plain, delivery('keyed', { orderingKey: 'k' })],
      [{ ...plain, rateLimitPerSecond: 5 }, delivery('limited')],
      [{ ...plain, maxInFlight: 1 }, delivery('capped')],
    ] as const;
    for (const [subscription, d] of unchanged) expect(handoff.lease(subscription, d, NOW)).toBe(d);
    expect(room()).toBe(10);
  });

  it('leaves the deliveries of subscriptions the engine reports stuck to the claim, until a later report no longer names them', () => {
    const { handoff, room } = handoffWithRoom(5);
    const hanging = { ...plain, id: 'sub_hanging' } as Subscription;
    const healthy = { ...plain, id: 'sub_healthy' } as Subscription;
    handoff.setStuck(['sub_hanging']);
    const stuck = delivery('to-hanging', { subscriptionId: 'sub_hanging' });
    expect(handoff.lease(hanging, stuck, NOW)).toBe(stuck);
    expect(handoff.lease(healthy, delivery('to-healthy'), NOW).lease).toBeDefined();
    expect(room()).toBe(4);
    handoff.setStuck([]);
    expect(handoff.lease(hanging, delivery('recovered', { subscriptionId: 'sub_hanging' }), NOW).lease).toBeDefined();
    expect(room()).toBe(3);
  });

  it('leases no more than the room holds', () => {
    const { handoff, room } = handoffWithRoom(1);
    expect(handoff.lease(plain, delivery('d1'), NOW).lease).toBeDefined();
    expect(handoff.lease(plain, delivery('d2'), NOW).lease).toBeUndefined();
    expect(room()).toBe(0);
  });

  it('leaves the fan-out part of the room to deliveries of events to more subscriptions than a claim takes', async () => {
    const { handoff, room, taken } = handoffWithRoom(3, 2);
    const single = handoff.lease(plain, delivery('single'), NOW);
    expect(single.lease).toBeDefined();
    expect(handoff.lease(plain, delivery('single-past-the-room'), NOW).lease).toBeUndefined();
    expect(room()).toBe(2);
    // An event to two subscriptions is not wide (a claim takes 2 here), to three it is.
    expect(handoff.lease(plain, delivery('narrow'), NOW, 2).lease).toBeUndefined();
    const fanOut = ['fan-1', 'fan-2'].map((id) => handoff.lease(plain, delivery(id), NOW, 3));
    expect(fanOut.every((d) => d.lease !== undefined)).toBe(true);
    expect(handoff.lease(plain, delivery('fan-3'), NOW, 3).lease).toBeUndefined();
    expect(room()).toBe(0);
    handoff.settle([single, ...fanOut], true);
    await settled();
    // Each id once, whichever part of the room it took.
    expect(taken).toEqual([['single', 'fan-1', 'fan-2']]);
  });

  it("names each handed-off delivery's subscription and when the earliest of their leases runs out", async () => {
    const { handoff, taken, messages } = handoffWithRoom(4);
    const first = handoff.lease(plain, delivery('a', { subscriptionId: 'sub_a' }), NOW);
    const second = handoff.lease(plain, delivery('b', { subscriptionId: 'sub_b' }), NOW + 7);
    handoff.settle([second, first], true);
    await settled();
    expect(taken).toEqual([['b', 'a']]);
    expect(messages).toEqual([{ subscriptionIds: ['sub_b', 'sub_a'], leasedUntil: NOW + 5_000 }]);
  });

  it('hands over the written ones in one message per turn, and gives back the room of those not written', async () => {
    const { handoff, room, taken } = handoffWithRoom(4);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => handoff.lease(plain, delivery(id), NOW));
    handoff.settle([a!, delivery('unleased')], true);
    handoff.settle([b!], true);
    handoff.settle([c!], false);
    expect(taken).toEqual([]);
    await settled();
    expect(taken).toEqual([['a', 'b']]);
    // c's unit is back; a's and b's stay taken until the engine gives them back.
    expect(room()).toBe(2);
  });
});
