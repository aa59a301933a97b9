import { newId } from '../../src/core/ids.js';
import type { Attempt } from '../../src/core/model.js';
import type { DeliveryOutcome } from '../../src/store/store.js';

/** Which delivery an outcome is of. */
export interface OutcomeOf {
  deliveryId: string;
  tenantId: string;
  subscriptionId: string;
  eventId: string;
}

/**
 * The outcome of a delivery's first attempt as the dispatcher records it: answered `statusCode`
 * (succeeded below 300; otherwise `status`, failed for good unless given) at `at`.
 */
export function attemptOutcome(
  { deliveryId, tenantId, subscriptionId, eventId }: OutcomeOf,
  owner: string,
  { statusCode = 200, at, status, nextAttemptAt = null, responseBody }: { statusCode?: number; at: number; status?: DeliveryOutcome['status']; nextAttemptAt?: number | null; responseBody?: string },
): DeliveryOutcome {
  const succeeded = statusCode < 300;
  const attempt: Attempt = {
    id: newId('attempt'),
    deliveryId,
    number: 1,
    startedAt: at,
    durationMs: 1,
    statusCode,
    responseBody: responseBody ?? (succeeded ? 'ok' : ''),
    errorClass: succeeded ? null : 'bad_status',
    errorMessage: null,
    succeeded,
  };
  return { deliveryId, owner, tenantId, subscriptionId, eventId, eventType: 'order.created', status: status ?? (succeeded ? 'succeeded' : 'failed'), nextAttemptAt, disableSubscription: null, attempt };
}
