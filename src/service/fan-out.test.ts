import { describe, expect, it } from 'vitest';
import type { HookEvent } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import { FAN_OUT_PART, inParts } from './fan-out.js';

// How a publish's write is split into parts. Writing the parts, and finishing them after the writer
// died, run against real stores and a real server in test/wide-fan-out.test.ts.

const NOW = 1_700_000_000_000;
const event: HookEvent = { tenantId: 'ten_1', id: 'evt_1', type: 'order.created', data: {}, resourceId: null, createdAt: NOW, deliverAt: null };

function deliveries(count: number, orderingKey: string | null = null, from = 0): NewDelivery[] {
  return Array.from({ length: count }, (_, i) => ({ id: `dlv_${from + i}`, subscriptionId: `sub_${String(from + i).padStart(5, '0')}`, dueAt: NOW, orderingKey }));
}

describe('inParts', () => {
  it('leaves a write that fits in one part whole, with no task', () => {
    const write = { event, deliveries: deliveries(FAN_OUT_PART) };
    expect(inParts(write, NOW)).toEqual({ first: write, rest: [] });
  });

  it('splits a wider one into parts, the first with a fan-out task leased to its writer', () => {
    const all = deliveries(2 * FAN_OUT_PART + 1);
    const { first, rest } = inParts({ event, deliveries: all }, NOW);
    expect(first.deliveries).toEqual(all.slice(0, FAN_OUT_PART));
    expect(rest).toEqual([all.slice(FAN_OUT_PART, 2 * FAN_OUT_PART), all.slice(2 * FAN_OUT_PART)]);
    expect(first.event).toBe(event);
    expect(first.task).toMatchObject({
      task: { tenantId: 'ten_1', kind: 'fan_out', status: 'running', params: { event_id: 'evt_1' }, progress: { written: FAN_OUT_PART }, cursor: null },
      requestKey: 'fan_out:evt_1',
      lease: { until: NOW + 5_000 },
    });
    expect(first.task!.lease.owner).toMatch(/^fan-out-/);
  });

  it('puts every ordered delivery in the first part, however many, so no later event overtakes one', () => {
    const unordered = deliveries(FAN_OUT_PART + 100);
    const ordered = deliveries(FAN_OUT_PART + 200, 'customer-1', 10_000);
    const { first, rest } = inParts({ event, deliveries: [...unordered, ...ordered] }, NOW);
    expect(first.deliveries).toEqual(ordered);
    expect(rest).toEqual([unordered.slice(0, FAN_OUT_PART), unordered.slice(FAN_OUT_PART)]);

    const few = deliveries(3, '', 20_000);
    const split = inParts({ event, deliveries: [...unordered, ...few] }, NOW);
    expect(split.first.deliveries).toEqual([...few, ...unordered.slice(0, FAN_OUT_PART - 3)]);
    expect(split.rest.flat()).toEqual(unordered.slice(FAN_OUT_PART - 3));
  });
});
