import type { EpochMs } from './model.js';

/** Where a subscription's circuit stands: `open` holds its deliveries back, `half_open` has one probe out. */
export type CircuitPosition = 'closed' | 'open' | 'half_open';

/** A subscription's circuit and its current run of failures, as the store keeps them. */
export interface CircuitState {
  circuit: CircuitPosition;
  /** Open: when a probe may go. Half open: when the probe's claim lapses (another may go then). */
  retryAt: EpochMs | null;
  consecutiveFailures: number;
  /** When the current run of failures began; null after a success. */
  failingSince: EpochMs | null;
}

/** When a circuit opens, how long it stays open, and when a failing subscription is disabled. */
export interface CircuitPolicy {
  /** Consecutive failed attempts that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit holds deliveries back before one probe is sent. */
  cooldownMs: number;
  /** A subscription whose attempts have all failed for this long is disabled. */
  disableAfterMs: number;
}

/** Ten failures in a row open the circuit for a minute; five days of nothing but failures disable. */
export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = { failureThreshold: 10, cooldownMs: 60_000, disableAfterMs: 5 * 86_400_000 };

/** The closed circuit of a subscription that has not failed. */
export const HEALTHY_CIRCUIT: CircuitState = { circuit: 'closed', retryAt: null, consecutiveFailures: 0, failingSince: null };

/** A change of a subscription's health that is worth an operational event. */
export type CircuitChange = 'circuit_opened' | 'circuit_closed' | 'disabled';

/** One attempt's result, as the circuit counts it. */
export interface CountedAttempt {
  succeeded: boolean;
  at: EpochMs;
}

/**
 * The circuit after some attempts (in the order they were made): a success closes it and ends
 * the run of failures; a failure lengthens the run, opens the circuit at the threshold, and
 * reopens an open or half-open one for another cooldown (a failed probe). A run of failures
 * spanning `disableAfterMs` or more (first failure to latest) disables the subscription. Returns the changes worth an event:
 * opening and closing are reported once per change, not per failed probe.
 */
export function advanceCircuit(
  state: CircuitState,
  attempts: readonly CountedAttempt[],
  policy: CircuitPolicy,
  now: EpochMs,
): { state: CircuitState; changes: CircuitChange[] } {
  let next = { ...state };
  const changes: CircuitChange[] = [];
  for (const attempt of attempts) {
    if (attempt.succeeded) {
      if (next.circuit !== 'closed') changes.push('circuit_closed');
      next = { ...HEALTHY_CIRCUIT };
      continue;
    }
    next.consecutiveFailures += 1;
    next.failingSince ??= attempt.at;
    if (next.circuit !== 'closed') {
      next = { ...next, circuit: 'open', retryAt: now + policy.cooldownMs };
    } else if (next.consecutiveFailures >= policy.failureThreshold) {
      next = { ...next, circuit: 'open', retryAt: now + policy.cooldownMs };
      changes.push('circuit_opened');
    }
  }
  // Measured between attempts, not against the clock: only attempts show that the endpoint still fails.
  const last = attempts.at(-1);
  if (last && !last.succeeded && last.at - next.failingSince! >= policy.disableAfterMs) changes.push('disabled');
  return { state: next, changes };
}
