import { advanceCircuit, type CircuitPolicy, type CircuitPosition, type CircuitState, type CountedAttempt } from '../core/circuit.js';
import { isOperationalEventType } from '../core/operational-events.js';
import { newId } from '../core/ids.js';
import type { EpochMs } from '../core/model.js';
import type { DeliveryOutcome } from './store.js';

// What recording a batch of outcomes does to endpoint health, planned once for both stores: the
// store reads the circuits of the batch's subscriptions (locked), calls planHealth, and writes
// the plan in the same transaction as the outcomes.

/** A subscription's circuit as stored, and whether it is still active. */
export interface StoredCircuit extends CircuitState {
  id: string;
  active: boolean;
}

/** Attempts of one subscription in one minute, added to its endpoint_health row. */
export interface HealthBucket {
  subscriptionId: string;
  minute: number;
  successes: number;
  failures: number;
  totalMs: number;
  maxMs: number;
}

/** An operational event waiting to be published into its tenant's stream (its id becomes the event's id). */
export interface OperationalNotice {
  id: string;
  tenantId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: EpochMs;
}

/** What to write after a batch of outcomes. */
export interface HealthPlan {
  circuits: Array<CircuitState & { id: string }>;
  disable: Array<{ id: string; reason: string }>;
  buckets: HealthBucket[];
  notices: OperationalNotice[];
}

const MINUTE = 60_000;

/** The subscriptions whose circuits a batch touches, in id order (locks are taken in this order: no deadlock). */
export function subscriptionsOf(outcomes: readonly DeliveryOutcome[]): string[] {
  return [...new Set(outcomes.map((o) => o.subscriptionId))].sort();
}

/**
 * Moves each subscription's circuit on by its attempts in this batch, disables those that have
 * failed for too long (or answered 410), counts the attempts per minute, and raises the
 * operational events. A delivery of an operational event that runs out of attempts raises no
 * `delivery.exhausted`: an endpoint that fails the events about its own failures must not breed
 * more of them.
 */
export function planHealth(
  outcomes: readonly DeliveryOutcome[],
  stored: ReadonlyMap<string, StoredCircuit>,
  policy: CircuitPolicy,
  now: EpochMs,
): HealthPlan {
  const plan: HealthPlan = { circuits: [], disable: [], buckets: [], notices: [] };
  const notice = (tenantId: string, type: string, data: Record<string, unknown>) =>
    plan.notices.push({ id: newId('event'), tenantId, type, data, createdAt: now });

  const bySubscription = new Map<string, DeliveryOutcome[]>();
  for (const outcome of outcomes) {
    const list = bySubscription.get(outcome.subscriptionId);
    if (list) list.push(outcome);
    else bySubscription.set(outcome.subscriptionId, [outcome]);
  }
  for (const [subscriptionId, list] of bySubscription) {
    const current = stored.get(subscriptionId);
    if (!current) continue; // deleted meanwhile (with its application)
    const tenantId = list[0]!.tenantId;
    const attempts: CountedAttempt[] = list
      .map((o) => ({ succeeded: o.attempt.succeeded, at: o.attempt.startedAt }))
      .sort((a, b) => a.at - b.at);
    const { state, changes } = advanceCircuit(current, attempts, policy, now);
    // A healthy endpoint's circuit stays closed at zero failures: rewriting it would change nothing
    // but cost a row write per subscription and batch (a fan-out's 10,000 rows, each page dirtied
    // again in the WAL; on PostgreSQL a dead row version each).
    if (!sameCircuit(current, state)) plan.circuits.push({ id: subscriptionId, ...state });
    const subject = { subscription_id: subscriptionId };
    for (const change of changes) {
      if (change === 'circuit_opened') notice(tenantId, 'subscription.circuit_opened', { ...subject, consecutive_failures: state.consecutiveFailures, retry_at: iso(state.retryAt) });
      if (change === 'circuit_closed') notice(tenantId, 'subscription.circuit_closed', subject);
    }
    const gone = list.find((o) => o.disableSubscription);
    const reason = gone
      ? gone.disableSubscription!.reason
      : changes.includes('disabled')
        ? `Every attempt failed for ${describeSpan(attempts.at(-1)!.at - state.failingSince!)}.`
        : null;
    if (reason !== null && current.active) {
      plan.disable.push({ id: subscriptionId, reason });
      notice(tenantId, 'subscription.disabled', { ...subject, reason });
    }
    for (const o of list) {
      if (o.status === 'failed' && !isOperationalEventType(o.eventType)) {
        notice(tenantId, 'delivery.exhausted', {
          delivery_id: o.deliveryId,
          event_id: o.eventId,
          event_type: o.eventType,
          subscription_id: subscriptionId,
          attempts: o.attempt.number,
          last_status_code: o.attempt.statusCode,
        });
      }
    }
    plan.buckets.push(...bucketsOf(subscriptionId, list));
  }
  return plan;
}

function sameCircuit(a: CircuitState, b: CircuitState): boolean {
  return a.circuit === b.circuit && a.retryAt === b.retryAt && a.consecutiveFailures === b.consecutiveFailures && a.failingSince === b.failingSince;
}

function bucketsOf(subscriptionId: string, outcomes: DeliveryOutcome[]): HealthBucket[] {
  const byMinute = new Map<number, HealthBucket>();
  for (const { attempt } of outcomes) {
    const minute = Math.floor(attempt.startedAt / MINUTE) * MINUTE;
    let bucket = byMinute.get(minute);
    if (!bucket) {
      bucket = { subscriptionId, minute, successes: 0, failures: 0, totalMs: 0, maxMs: 0 };
      byMinute.set(minute, bucket);
    }
    if (attempt.succeeded) bucket.successes += 1;
    else bucket.failures += 1;
    bucket.totalMs += attempt.durationMs;
    bucket.maxMs = Math.max(bucket.maxMs, attempt.durationMs);
  }
  return [...byMinute.values()];
}

function describeSpan(ms: number): string {
  if (ms >= 86_400_000) return `${Math.floor(ms / 86_400_000)} days`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} hours`;
  return `${Math.max(1, Math.floor(ms / 60_000))} minutes`;
}

function iso(at: EpochMs | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

/** Attempts of one window: how many, how many succeeded, and their latency. */
export interface HealthWindow {
  attempts: number;
  successes: number;
  failures: number;
  /** Successes / attempts, or null without attempts. */
  successRate: number | null;
  averageLatencyMs: number | null;
  maxLatencyMs: number | null;
}

/** A subscription's circuit and its last hour and day. */
export interface EndpointHealth {
  circuit: CircuitPosition;
  retryAt: EpochMs | null;
  consecutiveFailures: number;
  failingSince: EpochMs | null;
  lastHour: HealthWindow;
  lastDay: HealthWindow;
}

/** The hour and day windows over a subscription's minute rows (read for the last day). */
export function healthWindows(rows: readonly HealthBucket[], now: EpochMs): { lastHour: HealthWindow; lastDay: HealthWindow } {
  const window = (since: EpochMs): HealthWindow => {
    const inside = rows.filter((r) => r.minute + MINUTE > since);
    const successes = inside.reduce((n, r) => n + r.successes, 0);
    const failures = inside.reduce((n, r) => n + r.failures, 0);
    const attempts = successes + failures;
    const totalMs = inside.reduce((n, r) => n + r.totalMs, 0);
    return {
      attempts,
      successes,
      failures,
      successRate: attempts === 0 ? null : successes / attempts,
      averageLatencyMs: attempts === 0 ? null : Math.round(totalMs / attempts),
      maxLatencyMs: attempts === 0 ? null : Math.max(...inside.map((r) => r.maxMs)),
    };
  };
  return { lastHour: window(now - 3_600_000), lastDay: window(now - 86_400_000) };
}

/** The earliest minute row the day window reads. */
export function dayWindowStart(now: EpochMs): number {
  return Math.floor((now - 86_400_000) / MINUTE) * MINUTE;
}
