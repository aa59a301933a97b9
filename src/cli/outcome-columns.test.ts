import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../store/store.js';
import { packOutcomes, unpackOutcomes } from './outcome-columns.js';

// Every field set in one outcome, and the optional ones absent or null in the others: what the
// outcome thread unpacks after the copy is what the delivery thread packed.
const succeeded: DeliveryOutcome = {
  deliveryId: 'dlv_1',
  owner: 'owner_a',
  tenantId: 't1',
  subscriptionId: 'sub_1',
  eventId: 'evt_1',
  eventType: 'order.created',
  status: 'succeeded',
  nextAttemptAt: null,
  attempt: { id: 'att_1', deliveryId: 'dlv_1', number: 1, startedAt: 1764700000123, durationMs: 4, statusCode: 200, responseBody: 'ok', errorClass: null, errorMessage: null, succeeded: true },
  disableSubscription: null,
  slowDown: null,
};
const everyField: DeliveryOutcome = {
  deliveryId: 'dlv_2',
  owner: 'owner_b',
  tenantId: 't2',
  subscriptionId: 'sub_2',
  eventId: 'evt_2',
  eventType: 'enrollment.created',
  status: 'pending',
  nextAttemptAt: 1764700060000,
  attempt: { id: 'att_2', deliveryId: 'dlv_2', number: 3, startedAt: 1764700000456, durationMs: 30_000, statusCode: 429, responseBody: 'slow down ✋', errorClass: 'bad_status', errorMessage: 'HTTP 429', succeeded: false },
  disableSubscription: { id: 'sub_2', reason: 'the endpoint answered 410 Gone' },
  slowDown: { subscriptionId: 'sub_2', until: 1764700010000 },
};
const withoutSlowDown: DeliveryOutcome = { ...succeeded, deliveryId: 'dlv_3', attempt: { ...succeeded.attempt, id: 'att_3', deliveryId: 'dlv_3', statusCode: null, responseBody: null, errorClass: 'timeout', errorMessage: 'timed out', succeeded: false }, status: 'failed' };
delete withoutSlowDown.slowDown;

/** `values` as the other end of a port receives them. */
function copied(values: unknown[]): unknown[] {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(values);
  const received = receiveMessageOnPort(port2)!.message as unknown[];
  port1.close();
  return received;
}

describe('packOutcomes / unpackOutcomes', () => {
  it('gives back every field of every outcome, in order, after a copy between threads', () => {
    const packed = packOutcomes([succeeded, everyField, withoutSlowDown]);
    expect(packed.every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value))).toBe(true);
    expect(unpackOutcomes(copied(packed))).toEqual([succeeded, everyField, { ...withoutSlowDown, slowDown: null }]);
  });

  it('packs nothing to nothing', () => {
    expect(unpackOutcomes(copied(packOutcomes([])))).toEqual([]);
  });
});
