import { HookpostError } from '../core/errors.js';
import { matchesFilter } from '../core/filter.js';
import { newId } from '../core/ids.js';
import type { HookEvent } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';
import type { PayloadSchemas } from './payload-schemas.js';
import type { PublishInput } from './publish.js';

// The two halves of publishing that every publish path shares (the API's publish and the
// embedded library's transactional outbox): checking the payload against its type, and matching
// the tenant's subscriptions to plan one delivery each. Only the write differs between paths.

/** Throws unknown_event_type or schema_violation unless the event's type exists and its data fits the type's schema. */
export async function checkPayload(deps: ServiceDeps, schemas: PayloadSchemas, input: PublishInput): Promise<void> {
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
}

/** The event to store and one delivery per active subscription of the tenant whose types and filter match it. */
export async function planDeliveries(deps: ServiceDeps, tenantId: string, input: PublishInput): Promise<{ event: HookEvent; deliveries: NewDelivery[] }> {
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
  return { event, deliveries };
}
