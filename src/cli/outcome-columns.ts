import type { AttemptErrorClass } from '../core/attempt-error.js';
import type { DeliveryOutcome } from '../store/store.js';

// How a batch of outcomes travels to the outcome thread: one flat array of primitives, FIELDS
// values per outcome, in the order below (a 410's rare switch-off is one [id, reason] pair).
// postMessage copies it about three times as fast as the same outcomes as objects (0.3 against
// 0.9–1.4 µs an outcome, a 64-outcome batch to a worker), and that copy is on the delivery thread,
// the busier one (docs/performance.md, "14th session").

const FIELDS = 21;

/** The outcomes as one array of primitives (`unpackOutcomes` gives them back). */
export function packOutcomes(outcomes: DeliveryOutcome[]): unknown[] {
  const values = new Array<unknown>(outcomes.length * FIELDS);
  let at = 0;
  for (const o of outcomes) {
    const a = o.attempt;
    values[at++] = o.deliveryId;
    values[at++] = o.owner;
    values[at++] = o.tenantId;
    values[at++] = o.subscriptionId;
    values[at++] = o.eventId;
    values[at++] = o.eventType;
    values[at++] = o.status;
    values[at++] = o.nextAttemptAt;
    values[at++] = a.id;
    values[at++] = a.deliveryId;
    values[at++] = a.number;
    values[at++] = a.startedAt;
    values[at++] = a.durationMs;
    values[at++] = a.statusCode;
    values[at++] = a.responseBody;
    values[at++] = a.errorClass;
    values[at++] = a.errorMessage;
    values[at++] = a.succeeded;
    values[at++] = o.disableSubscription === null ? null : [o.disableSubscription.id, o.disableSubscription.reason];
    values[at++] = o.slowDown?.subscriptionId ?? null;
    values[at++] = o.slowDown?.until ?? null;
  }
  return values;
}

/** The outcomes `packOutcomes` packed (a field added to DeliveryOutcome must be added to both). */
export function unpackOutcomes(values: unknown[]): DeliveryOutcome[] {
  const outcomes: DeliveryOutcome[] = [];
  for (let at = 0; at < values.length; at += FIELDS) {
    const v = (field: number) => values[at + field];
    const disable = v(18) as [string, string] | null;
    const slowDownOf = v(19) as string | null;
    outcomes.push({
      deliveryId: v(0) as string,
      owner: v(1) as string,
      tenantId: v(2) as string,
      subscriptionId: v(3) as string,
      eventId: v(4) as string,
      eventType: v(5) as string,
      status: v(6) as DeliveryOutcome['status'],
      nextAttemptAt: v(7) as number | null,
      attempt: {
        id: v(8) as string,
        deliveryId: v(9) as string,
        number: v(10) as number,
        startedAt: v(11) as number,
        durationMs: v(12) as number,
        statusCode: v(13) as number | null,
        responseBody: v(14) as string | null,
        errorClass: v(15) as AttemptErrorClass | null,
        errorMessage: v(16) as string | null,
        succeeded: v(17) as boolean,
      },
      disableSubscription: disable === null ? null : { id: disable[0], reason: disable[1] },
      slowDown: slowDownOf === null ? null : { subscriptionId: slowDownOf, until: v(20) as number },
    });
  }
  return outcomes;
}
