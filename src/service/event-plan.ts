import { HookpostError } from '../core/errors.js';
import { reachesApplication, reachesChannels } from '../core/channels.js';
import { matchesFilter } from '../core/filter.js';
import { newId } from '../core/ids.js';
import type { HookEvent, Subscription } from '../core/model.js';
import { orderingGroup } from '../core/ordering.js';
import type { NewDelivery } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import type { DeliveryHandoff } from './handoff.js';
import type { PayloadSchemas } from './payload-schemas.js';
import type { PublishInput } from './publish.js';
import { resolveEventType } from './tenant-event-types.js';
import { isOperationalEventType } from '../core/operational-events.js';

// The two halves of publishing that every publish path shares (the API's publish and the
// embedded library's transactional outbox): checking the payload against its type, and matching
// the tenant's subscriptions to plan one delivery each. Only the write differs between paths.

/** Throws unknown_event_type or schema_violation unless the event's type exists and its data fits the type's schema. */
export async function checkPayload(deps: ServiceDeps, schemas: PayloadSchemas, tenantId: string, input: PublishInput): Promise<void> {
  // The tenant's own types (see tenant-event-types.ts) document their payloads and are not enforced.
  const definition = await resolveEventType(deps, tenantId, input.type);
  if (!definition && !input.allowUndefinedType) {
    throw new HookpostError('unknown_event_type', `No event type ${input.type} in the catalog.`, [
      { pointer: '/type', message: 'unknown event type' },
    ]);
  }
  if (definition?.kind === 'shared' && definition.eventType.schema) {
    const problems = schemas.validate(definition.eventType.schema, input.data, '/data');
    if (problems.length > 0) throw new HookpostError('schema_violation', `The data does not match the schema of ${input.type}.`, problems);
  }
}

/**
 * The event to store and one delivery per active subscription of the tenant whose types and filter
 * match it; with a hand-off, those the engine of this process can take at once are leased to it
 * (the caller then settles them, see DeliveryHandoff).
 */
export async function planDeliveries(
  deps: ServiceDeps,
  tenantId: string,
  input: PublishInput,
  handoff?: DeliveryHandoff,
): Promise<{ event: HookEvent; deliveries: NewDelivery[] }> {
  const now = deps.now();
  const event: HookEvent = {
    tenantId,
    id: input.id ?? newId('event'),
    type: input.type,
    data: input.data,
    resourceId: input.resourceId ?? null,
    createdAt: now,
    deliverAt: input.deliverAt ?? null,
    ...(input.applicationId ? { applicationId: input.applicationId } : {}),
    ...(input.uid ? { uid: input.uid } : {}),
    ...(input.channels && input.channels.length > 0 ? { channels: input.channels } : {}),
    ...(input.tags && input.tags.length > 0 ? { tags: input.tags } : {}),
    ...(input.orderingKey ? { orderingKey: input.orderingKey } : {}),
    ...(input.traceParent ? { traceParent: input.traceParent } : {}),
  };
  const dueAt = Math.max(now, event.deliverAt ?? now);
  const matched = await matchingSubscriptions(deps, event);
  const deliveries: NewDelivery[] = matched.map((subscription) => {
    const delivery = newDelivery(subscription, event, dueAt);
    return handoff ? handoff.lease(subscription, delivery, now, matched.length) : delivery;
  });
  return { event, deliveries };
}

/** The tenant's active subscriptions the event goes to (types, application, channels, filter), in id order. */
export async function matchingSubscriptions(deps: ServiceDeps, event: HookEvent): Promise<Subscription[]> {
  const subject = { type: event.type, resource_id: event.resourceId, data: event.data };
  return (await deps.store.findSubscriptionsForEvent(event.tenantId, event.type)).filter(
    (subscription) =>
      // Operational events go only to subscriptions that name their type: "*" means the tenant's own events.
      (!isOperationalEventType(event.type) || subscription.eventTypes.includes(event.type)) &&
      reachesApplication(subscription.applicationId, event.applicationId) &&
      reachesChannels(subscription.channels, event.channels) &&
      matchesFilter(subscription.filter, subject),
  );
}

/** A new delivery of the event to the subscription, due at dueAt, in its ordered group if the subscription orders. */
export function newDelivery(subscription: Subscription, event: HookEvent, dueAt: number): NewDelivery {
  return { id: newId('delivery'), subscriptionId: subscription.id, dueAt, orderingKey: orderingGroup(subscription, event) };
}
