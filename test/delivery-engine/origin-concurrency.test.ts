import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery } from '../../src/core/model.js';
import { Lanes, subscriptionConcurrency } from '../../src/delivery/lanes.js';
import { originConcurrency } from '../../src/delivery/origin-concurrency.js';
import { FakeClock, claimedDelivery } from '../support/delivery-fakes.js';

function lanesWith(perSubscription: number, perOrigin: number) {
  const started: ClaimedDelivery[] = [];
  const clock = new FakeClock();
  const lanes = new Lanes({
    concurrency: 100,
    rules: [subscriptionConcurrency(perSubscription), originConcurrency(perOrigin)],
    now: clock.now,
    start: (claimed) => started.push(claimed),
  });
  return { lanes, started };
}

describe('origin concurrency', () => {
  it('caps sends to one host and port across its subscriptions, while a hanging one keeps only its own slots', () => {
    const { lanes, started } = lanesWith(2, 3);
    const hanging = [1, 2, 3].map(() => claimedDelivery('sub_hang', { url: 'http://shared.test:8080/hang' }));
    const healthy = [1, 2, 3].map(() => claimedDelivery('sub_ok', { url: 'http://shared.test:8080/ok' }));
    const elsewhere = [1, 2].map(() => claimedDelivery('sub_other', { url: 'http://other.test/hook' }));
    for (const item of [...hanging, ...healthy, ...elsewhere]) lanes.add(item);
    const on = (id: string) => started.filter((c) => c.subscription.id === id).length;
    // The hanging subscription holds its 2, the healthy one gets the origin's third; another origin is untouched.
    expect([on('sub_hang'), on('sub_ok'), on('sub_other')]).toEqual([2, 1, 2]);
    // The healthy sends finish: the freed origin slot goes to the healthy lane, never past the hanging cap.
    lanes.finished(healthy[0]!, { status: 'succeeded' });
    expect([on('sub_hang'), on('sub_ok')]).toEqual([2, 2]);
    lanes.finished(healthy[1]!, { status: 'succeeded' });
    expect([on('sub_hang'), on('sub_ok')]).toEqual([2, 3]);
  });
});
