import { describe, expect, it } from 'vitest';
import type { Subscription } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import { DeliveryHandoff } from './handoff.js';

// The publishing side of the hand-off: which deliveries are leased, within the engine's room,
// and what happens to them after the write. The engine's side runs against real stores in
// test/delivery-handoff.test.ts and test/store-reliability.test.ts.

const NOW = 1_700_000_000_000;
const plain = { rateLimitPerSecond: null, maxInFlight: null } as Subscription;

function handoffWithRoom(room: number, fanOutOnly = 0) {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  shared[0] = room;
  shared[1] = fanOutOnly;
  const taken: string[][] = [];
  const handoff = new DeliveryHandoff({ owner: 'engine', leaseMs: 5_000, room: shared, take: (ids) => taken.push(ids) });
  return { handoff, room: () => shared[0], taken };
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

  it('leases no more than the room holds', () => {
    const { handoff, room } = handoffWithRoom(1);
    expect(handoff.lease(plain, delivery('d1'), NOW).lease).toBeDefined();
    expect(handoff.lease(plain, delivery('d2'), NOW).lease).toBeUndefined();
    expect(room()).toBe(0);
  });

  it('leaves the fan-out part of the room to deliveries of events that go to more than one subscription', () => {
    const { handoff, room } = handoffWithRoom(3, 2);
    expect(handoff.lease(plain, delivery('single'), NOW).lease).toBeDefined();
    expect(handoff.lease(plain, delivery('single-past-the-room'), NOW).lease).toBeUndefined();
    expect(room()).toBe(2);
    expect(handoff.lease(plain, delivery('fan-1'), NOW, true).lease).toBeDefined();
    expect(handoff.lease(plain, delivery('fan-2'), NOW, true).lease).toBeDefined();
    expect(handoff.lease(plain, delivery('fan-3'), NOW, true).lease).toBeUndefined();
    expect(room()).toBe(0);
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
