import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/core/model.js';
import { Lanes, subscriptionConcurrency, type LaneRule } from '../../src/delivery/lanes.js';
import { FakeClock, claimedDelivery } from '../support/delivery-fakes.js';

function lanesWith(concurrency: number, rules: LaneRule[], clock = new FakeClock()) {
  const started: ClaimedDelivery[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const lanes = new Lanes({
    concurrency,
    rules,
    now: clock.now,
    start: (claimed) => started.push(claimed),
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return {};
    },
  });
  return { lanes, started, timers, clock };
}

describe('lanes', () => {
  it('gives up what waits in a lane whose sends have not finished for a while, and only that', () => {
    const { lanes, clock, started } = lanesWith(10, [subscriptionConcurrency(1)]);
    const hanging = [1, 2, 3].map(() => claimedDelivery('sub_hanging'));
    const busy = [1, 2].map(() => claimedDelivery('sub_busy'));
    for (const item of [...hanging, ...busy]) lanes.add(item);
    clock.advance(600);
    // The busy lane finishes a send: it made progress, the hanging one did not.
    lanes.finished(busy[0]!, { status: 'succeeded' });
    expect(lanes.takeStalled(1_000)).toEqual([]);
    clock.advance(500);
    expect(lanes.takeStalled(1_000)).toEqual(hanging.slice(1));
    expect(lanes.queued).toBe(0);
    // Its send in flight still finishes normally, and a later delivery waits in a fresh lane.
    lanes.finished(hanging[0]!, { status: 'failed', disableSubscription: false });
    const later = claimedDelivery('sub_hanging');
    lanes.add(later);
    expect(started.at(-1)).toBe(later);
    expect(lanes.takeStalled(1_000)).toEqual([]);
  });

  it('keeps a lane stalled, and its stall counting, until a send of it finishes', () => {
    const { lanes, clock } = lanesWith(10, [subscriptionConcurrency(1)]);
    const [inFlight, waiting] = [claimedDelivery('sub_hanging'), claimedDelivery('sub_hanging')];
    lanes.add(inFlight!);
    lanes.add(waiting!);
    clock.advance(1_500);
    expect(lanes.takeStalled(1_000)).toEqual([waiting]);
    // Handed back and claimed again while the first send still hangs: stalled for 3 s by now, not a fresh lane.
    clock.advance(1_500);
    const back = claimedDelivery('sub_hanging');
    lanes.add(back);
    expect(lanes.stalledFor(back)).toBe(3_000);
    expect(lanes.takeStalled(1_000)).toEqual([back]);
    // The send finishes: the lane made progress, and what joins it next starts a fresh count.
    lanes.finished(inFlight!, { status: 'failed', disableSubscription: false });
    const after = [claimedDelivery('sub_hanging'), claimedDelivery('sub_hanging')];
    for (const item of after) lanes.add(item);
    expect(lanes.stalledFor(after[1]!)).toBe(0);
  });

  it('starts deliveries at once up to the overall concurrency, then one per finished send', () => {
    const { lanes, started } = lanesWith(2, []);
    const items = [claimedDelivery('sub_1'), claimedDelivery('sub_2'), claimedDelivery('sub_3')];
    for (const item of items) lanes.add(item);
    expect(started).toEqual(items.slice(0, 2));
    expect(lanes.sending).toBe(2);
    expect(lanes.queued).toBe(1);
    lanes.finished(items[0]!, { status: 'succeeded' });
    expect(started).toEqual(items);
    expect(lanes.queued).toBe(0);
  });

  it('caps sends per subscription so that a hanging endpoint cannot take the other lanes\' slots', () => {
    const { lanes, started } = lanesWith(10, [subscriptionConcurrency(2)]);
    const slow = [1, 2, 3, 4].map(() => claimedDelivery('sub_slow'));
    const healthy = [1, 2, 3].map(() => claimedDelivery('sub_healthy'));
    for (const item of [...slow, ...healthy]) lanes.add(item);
    expect(started.filter((c) => c.subscription.id === 'sub_slow')).toHaveLength(2);
    expect(started.filter((c) => c.subscription.id === 'sub_healthy')).toHaveLength(2);
    lanes.finished(healthy[0]!, { status: 'succeeded' });
    expect(started.filter((c) => c.subscription.id === 'sub_healthy')).toHaveLength(3);
    // The slow lane moves only when one of its own sends ends.
    expect(started.filter((c) => c.subscription.id === 'sub_slow')).toHaveLength(2);
    lanes.finished(slow[0]!, { status: 'pending', nextAttemptAt: 0 });
    expect(started.filter((c) => c.subscription.id === 'sub_slow')).toHaveLength(3);
  });

  it('keeps each lane first-in, first-out', () => {
    const { lanes, started } = lanesWith(1, [subscriptionConcurrency(1)]);
    const items = [1, 2, 3].map(() => claimedDelivery('sub_ordered'));
    for (const item of items) lanes.add(item);
    lanes.finished(items[0]!, { status: 'succeeded' });
    lanes.finished(items[1]!, { status: 'succeeded' });
    expect(started.map((c) => c.delivery.id)).toEqual(items.map((c) => c.delivery.id));
  });

  it('shares freed slots across lanes in turn rather than giving them all to the first lane', () => {
    const { lanes, started } = lanesWith(1, []);
    const a = [1, 2, 3].map(() => claimedDelivery('sub_a'));
    const b = [1, 2].map(() => claimedDelivery('sub_b'));
    for (const item of [...a, ...b]) lanes.add(item);
    lanes.finished(started[0]!, { status: 'succeeded' });
    lanes.finished(started[1]!, { status: 'succeeded' });
    expect(started.map((c) => c.subscription.id).slice(0, 3)).toEqual(['sub_a', 'sub_b', 'sub_a']);
  });

  it('gives freed slots to tenants in turn, then to a tenant\'s lanes in turn, however many lanes a tenant has', () => {
    const { lanes, started } = lanesWith(1, []);
    const ofTenant = (tenantId: string, subscriptionId: string): ClaimedDelivery => {
      const claimed = claimedDelivery(subscriptionId);
      return { ...claimed, subscription: { ...claimed.subscription, tenantId } };
    };
    const busy = ['sub_a1', 'sub_a2', 'sub_a3'].flatMap((id) => [ofTenant('ten_busy', id), ofTenant('ten_busy', id)]);
    const quiet = [1, 2, 3].map(() => ofTenant('ten_quiet', 'sub_q'));
    for (const item of [...busy, ...quiet]) lanes.add(item);
    for (let i = 0; i < 6; i += 1) lanes.finished(started[i]!, { status: 'succeeded' });
    // The busy tenant was there first (its first lane started on arrival); from then on the quiet
    // tenant's one lane gets every other slot, and the busy tenant's go round its three lanes.
    expect(started.map((c) => c.subscription.tenantId)).toEqual(['ten_busy', 'ten_busy', 'ten_quiet', 'ten_busy', 'ten_quiet', 'ten_busy', 'ten_quiet']);
    expect(new Set(started.filter((c) => c.subscription.tenantId === 'ten_busy').slice(0, 3).map((c) => c.subscription.id)).size).toBe(3);
  });

  it('asks no other lane of a group a rule called full until a send finishes, and keeps asking other groups', () => {
    // One slot per group (the first letter of the subscription id); counts what it is asked.
    const asked: string[] = [];
    const active = new Map<string, number>();
    const groupOf = (c: ClaimedDelivery) => c.subscription.id.slice(4, 5);
    const perGroup: LaneRule = {
      name: 'one-per-group',
      group: groupOf,
      admit: (c) => {
        asked.push(c.subscription.id);
        return (active.get(groupOf(c)) ?? 0) < 1 ? 'go' : 'full';
      },
      started: (c) => void active.set(groupOf(c), (active.get(groupOf(c)) ?? 0) + 1),
      finished: (c) => void active.set(groupOf(c), (active.get(groupOf(c)) ?? 1) - 1),
    };
    const { lanes, started } = lanesWith(100, [perGroup]);
    const xs = Array.from({ length: 50 }, (_, i) => claimedDelivery(`sub_x${i}`));
    const y = claimedDelivery('sub_y0');
    for (const item of [...xs, y]) lanes.add(item);
    expect(started.map((c) => c.subscription.id)).toEqual(['sub_x0', 'sub_y0']);
    asked.length = 0;
    lanes.finished(started[0]!, { status: 'succeeded' });
    // The freed slot goes to the next x lane; the pass then finds x full once and skips the other 48.
    expect(started.map((c) => c.subscription.id)).toEqual(['sub_x0', 'sub_y0', 'sub_x1']);
    expect(asked).toEqual(['sub_x1', 'sub_x2']);
  });

  /** One send at a time per group (the letter after `sub_`), counting how often it is asked for a delivery's group. */
  function onePerGroup() {
    const active = new Map<string, number>();
    const counted = { groupCalls: 0 };
    const groupOf = (c: ClaimedDelivery) => c.subscription.id.slice(4, 5);
    const rule: LaneRule = {
      name: 'one-per-group',
      group: (c) => {
        counted.groupCalls += 1;
        return groupOf(c);
      },
      admit: (c) => ((active.get(groupOf(c)) ?? 0) < 1 ? 'go' : 'full'),
      started: (c) => void active.set(groupOf(c), (active.get(groupOf(c)) ?? 0) + 1),
      finished: (c) => void active.set(groupOf(c), (active.get(groupOf(c)) ?? 1) - 1),
    };
    return { rule, counted };
  }

  it('ends a finished send\'s pass once the groups found full hold every waiting lane, however many wait', () => {
    const passCost = (waiting: number) => {
      const { rule, counted } = onePerGroup();
      const { lanes, started } = lanesWith(10_000, [rule]);
      for (let i = 0; i <= waiting; i += 1) lanes.add(claimedDelivery(`sub_x${i}`));
      counted.groupCalls = 0;
      lanes.finished(started[0]!, { status: 'succeeded' });
      expect(started.map((c) => c.subscription.id)).toEqual(['sub_x0', 'sub_x1']);
      return counted.groupCalls;
    };
    expect(passCost(500)).toBe(passCost(50));
  });

  it('goes on past a full group\'s lanes while another group\'s lane waits behind them', () => {
    const { rule } = onePerGroup();
    const { lanes, started } = lanesWith(100, [rule]);
    const xs = Array.from({ length: 50 }, (_, i) => claimedDelivery(`sub_x${i}`));
    const ys = [claimedDelivery('sub_y0'), claimedDelivery('sub_y1')];
    for (const item of [...xs, ...ys]) lanes.add(item);
    expect(started.map((c) => c.subscription.id)).toEqual(['sub_x0', 'sub_y0']);
    // The pass finds x full at its first lane; y's lane waits behind the other 48 x lanes and starts.
    lanes.finished(ys[0]!, { status: 'succeeded' });
    expect(started.map((c) => c.subscription.id)).toEqual(['sub_x0', 'sub_y0', 'sub_y1']);
    expect(lanes.queued).toBe(49);
  });

  it('holds a lane back until the time a rule names, then starts it on the timer', () => {
    const clock = new FakeClock();
    const openUntil = clock.now() + 30_000;
    const circuit: LaneRule = { name: 'circuit', admit: (_c, now) => (now >= openUntil ? 'go' : openUntil) };
    const { lanes, started, timers } = lanesWith(10, [circuit], clock);
    lanes.add(claimedDelivery('sub_tripped'));
    expect(started).toHaveLength(0);
    expect(timers.map((t) => t.ms)).toEqual([30_000]);
    clock.advance(30_000);
    timers[0]!.fn();
    expect(started).toHaveLength(1);
  });

  it('tells rules of every start and finish, with the attempt verdict', () => {
    const seen: string[] = [];
    const rule: LaneRule = {
      name: 'recorder',
      admit: () => 'go',
      started: (c) => seen.push(`start ${c.subscription.id}`),
      finished: (c, finish) => seen.push(`finish ${c.subscription.id} ${finish.status}`),
    };
    const { lanes } = lanesWith(5, [rule]);
    const item = claimedDelivery('sub_x');
    lanes.add(item);
    lanes.finished(item, { status: 'failed', disableSubscription: false });
    expect(seen).toEqual(['start sub_x', 'finish sub_x failed']);
  });

  it('hands back what waits, unstarted, and resolves idle once sends end', async () => {
    const { lanes, started } = lanesWith(1, []);
    const items = [claimedDelivery('sub_a'), claimedDelivery('sub_b')];
    for (const item of items) lanes.add(item);
    expect(lanes.takeWaiting()).toEqual([items[1]]);
    let idle = false;
    const waiting = lanes.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    lanes.finished(started[0]!, { status: 'succeeded' });
    await waiting;
    expect(idle).toBe(true);
    expect(started).toEqual([items[0]]);
  });
});
