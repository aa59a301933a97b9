import { describe, expect, it } from 'vitest';
import { DEFAULT_CIRCUIT_POLICY, HEALTHY_CIRCUIT } from '../core/circuit.js';
import { planHealth, type StoredCircuit } from './endpoint-health.js';
import type { DeliveryOutcome } from './store.js';

// The pure part of recording outcomes: what a batch writes to the circuits (both stores write the plan).

const NOW = 1_700_000_000_000;

const outcome = (subscriptionId: string, succeeded: boolean, at = NOW): DeliveryOutcome => ({
  deliveryId: `dlv_${subscriptionId}_${at}`,
  owner: 'dispatcher-test',
  tenantId: 't',
  subscriptionId,
  eventId: 'evt_1',
  eventType: 'order.created',
  attempt: {
    id: `att_${subscriptionId}_${at}`,
    deliveryId: `dlv_${subscriptionId}_${at}`,
    number: 1,
    startedAt: at,
    durationMs: 3,
    statusCode: succeeded ? 200 : 500,
    responseBody: null,
    errorClass: succeeded ? null : 'bad_status',
    errorMessage: null,
    succeeded,
  },
  status: succeeded ? 'succeeded' : 'pending',
  nextAttemptAt: succeeded ? null : at + 1_000,
  disableSubscription: null,
  slowDown: null,
});

const stored = (id: string, circuit: Partial<StoredCircuit> = {}): StoredCircuit => ({ id, active: true, ...HEALTHY_CIRCUIT, ...circuit });

describe('planHealth', () => {
  it('writes no circuit that the batch leaves as it was (a healthy endpoint answering 200), but counts its attempts', () => {
    const plan = planHealth([outcome('sub_a', true), outcome('sub_a', true)], new Map([['sub_a', stored('sub_a')]]), DEFAULT_CIRCUIT_POLICY, NOW);
    expect(plan.circuits).toEqual([]);
    expect(plan.buckets).toEqual([expect.objectContaining({ subscriptionId: 'sub_a', successes: 2, failures: 0 })]);
  });

  it('writes the circuits that moved: a first failure, and a success after failures', () => {
    const plan = planHealth(
      [outcome('sub_a', false), outcome('sub_b', true)],
      new Map([
        ['sub_a', stored('sub_a')],
        ['sub_b', stored('sub_b', { consecutiveFailures: 3, failingSince: NOW - 5_000 })],
      ]),
      DEFAULT_CIRCUIT_POLICY,
      NOW,
    );
    expect(plan.circuits).toMatchObject([
      { id: 'sub_a', circuit: 'closed', retryAt: null, consecutiveFailures: 1, failingSince: NOW },
      { id: 'sub_b', ...HEALTHY_CIRCUIT },
    ]);
  });
});
