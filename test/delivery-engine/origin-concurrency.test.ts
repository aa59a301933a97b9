import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/core/model.js';
import { Lanes, subscriptionConcurrency } from '../../src/delivery/lanes.js';
import { originConcurrency, originShare } from '../../src/delivery/origin-concurrency.js';
import { FakeClock, claimedDelivery } from '../support/delivery-fakes.js';

const ORIGIN = 'http://shared.test:8080';

function lanesWith(perSubscription: number, maxPerOrigin: number, forgetAfterMs = 60_000) {
  const started: ClaimedDelivery[] = [];
  const clock = new FakeClock();
  const lanes = new Lanes({
    concurrency: 1_000,
    rules: [subscriptionConcurrency(perSubscription), originConcurrency({ maxPerOrigin, perSubscription, forgetAfterMs })],
    now: clock.now,
    start: (claimed) => started.push(claimed),
  });
  const on = (id: string) => started.filter((c) => c.subscription.id === id).length;
  return { lanes, started, clock, on };
}

function deliveries(count: number, subscriptionId: string, overrides: { url?: string; maxInFlight?: number } = {}): ClaimedDelivery[] {
  return Array.from({ length: count }, () => claimedDelivery(subscriptionId, { url: `${ORIGIN}/${subscriptionId}`, ...overrides }));
}

describe('origin share (pure)', () => {
  it('gives each subscription its whole limit while the limits fit under the cap', () => {
    expect(originShare(32, 64, 128)).toBe(32);
    expect(originShare(32, 128, 128)).toBe(32);
  });

  it('gives each its proportional part of the cap, at least one, once the limits pass it', () => {
    expect(originShare(32, 160, 128)).toBe(25);
    expect(originShare(8, 160, 128)).toBe(6);
    expect(originShare(1, 1_000, 10)).toBe(1);
  });
});

describe('origin concurrency (lane rule)', () => {
  it('sizes an origin for the sum of its subscriptions’ limits: two of 4 send 8 at once under a cap of 100', () => {
    const { lanes, on } = lanesWith(4, 100);
    for (const item of [...deliveries(6, 'sub_a'), ...deliveries(6, 'sub_b')]) lanes.add(item);
    expect([on('sub_a'), on('sub_b')]).toEqual([4, 4]);
    expect(lanes.sending).toBe(8);
  });

  it('counts a subscription’s max_in_flight as its limit, within the per-subscription cap', () => {
    const { lanes, on } = lanesWith(4, 6);
    // Limits 2 (its max_in_flight) and 4 add up to the cap: neither is cut.
    for (const item of [...deliveries(5, 'sub_small', { maxInFlight: 2 }), ...deliveries(5, 'sub_big')]) lanes.add(item);
    expect([on('sub_small'), on('sub_big')]).toEqual([2, 4]);
    // A max_in_flight above the per-subscription cap counts as the cap.
    const other = lanesWith(4, 100);
    for (const item of deliveries(10, 'sub_loose', { maxInFlight: 500 })) other.lanes.add(item);
    expect(other.on('sub_loose')).toBe(4);
  });

  it('caps the origin, and a hanging subscription keeps only its proportional part once its peers are sending', () => {
    // Three subscriptions of limit 4 on an origin capped at 6: parts of 2 each.
    const { lanes, on } = lanesWith(4, 6);
    const hanging = deliveries(10, 'sub_hang');
    const healthy = deliveries(10, 'sub_ok');
    const third = deliveries(10, 'sub_third');
    // All three ask before anything starts (one claim brought them together).
    lanes.add(hanging[0]!);
    lanes.add(healthy[0]!);
    lanes.add(third[0]!);
    for (const item of [...hanging.slice(1), ...healthy.slice(1), ...third.slice(1)]) lanes.add(item);
    expect([on('sub_hang'), on('sub_ok'), on('sub_third')]).toEqual([2, 2, 2]);
    expect(lanes.sending).toBe(6);
    // The hanging sends never finish; the healthy ones keep flowing, one freed slot at a time.
    for (let i = 0; i < 6; i += 1) {
      lanes.finished(healthy[i]!, { status: 'succeeded' });
      expect(on('sub_hang')).toBe(2);
    }
    expect(on('sub_ok')).toBe(8);
  });

  it('calls its origin full at the cap (its other lanes need not be asked), but only waits below it', () => {
    const rule = originConcurrency({ maxPerOrigin: 2, perSubscription: 1 });
    const [a, b, c] = ['sub_a', 'sub_b', 'sub_c'].map((id) => deliveries(1, id)[0]!);
    // One sender of limit 1: the origin's limit is 1 for now, but a second sender would raise it.
    expect(rule.admit(a!, 0)).toBe('go');
    rule.started?.(a!, 0);
    expect(rule.admit(a!, 0)).toBe('wait');
    expect(rule.admit(b!, 0)).toBe('go');
    rule.started?.(b!, 0);
    // At the cap of 2 nothing of this origin may start, whoever asks.
    expect(rule.admit(c!, 0)).toBe('full');
    expect(rule.group?.(c!)).toBe(ORIGIN);
    rule.finished?.(a!, { status: 'succeeded' }, 0);
    expect(rule.admit(c!, 0)).toBe('go');
  });

  it('leaves another origin untouched by a full one', () => {
    const { lanes, on } = lanesWith(4, 4);
    for (const item of deliveries(10, 'sub_full')) lanes.add(item);
    for (const item of deliveries(3, 'sub_elsewhere', { url: 'http://other.test/hook' })) lanes.add(item);
    expect([on('sub_full'), on('sub_elsewhere')]).toEqual([4, 3]);
  });

  it('forgets a subscription that stopped sending, so the others get the whole cap again', () => {
    const { lanes, clock, on } = lanesWith(4, 4, 10_000);
    const quiet = deliveries(1, 'sub_quiet');
    const busy = deliveries(12, 'sub_busy');
    lanes.add(quiet[0]!);
    // Limits 4 + 4 over a cap of 4: the busy one gets its part, 2.
    for (const item of busy) lanes.add(item);
    expect([on('sub_quiet'), on('sub_busy')]).toEqual([1, 2]);
    lanes.finished(quiet[0]!, { status: 'succeeded' });
    lanes.finished(busy[0]!, { status: 'succeeded' });
    expect(on('sub_busy')).toBe(3);
    // A minute without a send from the quiet one: it no longer counts, the busy one may use all 4.
    clock.advance(11_000);
    lanes.finished(busy[1]!, { status: 'succeeded' });
    expect(on('sub_busy')).toBe(6);
    expect(lanes.sending).toBe(4);
  });
});
