import { HookpostError } from '../core/errors.js';
import { matchesFilter } from '../core/filter.js';
import { newId } from '../core/ids.js';
import type { HookEvent } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';
import type { PayloadSchemas } from './payload-schemas.js';

/** What a door publishes. */
export interface PublishInput {
  type: string;
  data: unknown;
  id?: string | undefined;
  resourceId?: string | null | undefined;
  deliverAt?: number | null | undefined;
}

/** The stored event, whether this call created it, and how many deliveries it fanned out to. */
export interface PublishResult {
  event: HookEvent;
  created: boolean;
  deliveries: number;
}

/**
 * Validates an event against its type, finds the tenant's matching subscriptions and writes the
 * event with one delivery each in one transaction. A repeated id changes nothing and answers
 * with the stored event.
 */
export async function publishEvent(
  deps: ServiceDeps,
  schemas: PayloadSchemas,
  tenantId: string,
  input: PublishInput,
): Promise<PublishResult> {
  const eventType = await findEventType(deps, input.type);
  if (!eventType) {
    throw new HookpostError('unknown_event_type', `No event type ${input.type} in the catalog.`, [
      { pointer: '/type', message: 'unknown event type' },
    ]);
  }
  if (eventType.schema) {
    const problems = schemas.validate(eventType.schema, input.data, '/data');
    if (problems.length > 0) throw new HookpostError('schema_violation', `The data does not match the schema of ${input.type}.`, problems);
  }
  if (input.id !== undefined) {
    const existing = await deps.store.getEvent(tenantId, input.id);
    if (existing) return { event: existing, created: false, deliveries: 0 };
  }

  const now = deps.now();
  const event: HookEvent = {
    tenantId,
    id: input.id ?? newId('event'),
    type: input.type,
    data: input.data,
    resourceId: input.resourceId ?? null,
    createdAt: now,
    deliverAt: input.deliverAt ?? null,
  };
  const subject = { type: event.type, resource_id: event.resourceId, data: event.data };
  const dueAt = Math.max(now, event.deliverAt ?? now);
  const deliveries: NewDelivery[] = (await deps.store.findSubscriptionsForEvent(tenantId, event.type))
    .filter((subscription) => matchesFilter(subscription.filter, subject))
    .map((subscription) => ({ id: newId('delivery'), subscriptionId: subscription.id, dueAt }));
  const result = await deps.store.insertEventWithDeliveries(event, deliveries);
  return { event: result.event, created: result.created, deliveries: result.created ? deliveries.length : 0 };
}
