import type { EpochMs } from '../core/model.js';
import { clampRetryAfter, nextRetryDelay, type RetryPolicy } from '../core/retry.js';
import type { OutboundResult } from './outbound.js';

/** Where a delivery goes after an attempt. */
export type AttemptVerdict =
  | { status: 'succeeded' }
  | { status: 'failed'; disableSubscription: boolean }
  | { status: 'pending'; nextAttemptAt: EpochMs };

/**
 * The receiver's answer decides: 2xx is success; 410 Gone fails the delivery and switches the
 * subscription off; anything else is retried on the schedule, with 429 and 503 honouring
 * Retry-After within bounds, until the schedule runs out.
 */
export function decideAfterAttempt(
  result: OutboundResult,
  attemptsMade: number,
  policy: RetryPolicy,
  now: EpochMs,
  random: () => number,
): AttemptVerdict {
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return { status: 'succeeded' };
  if (status === 410) return { status: 'failed', disableSubscription: true };
  const scheduled = nextRetryDelay(policy, attemptsMade, random);
  if (scheduled === null) return { status: 'failed', disableSubscription: false };
  const delay = status === 429 || status === 503 ? clampRetryAfter(scheduled, result.retryAfterMs) : scheduled;
  return { status: 'pending', nextAttemptAt: now + delay };
}
