import { HookpostError } from '../core/errors.js';
import { reachesApplication, reachesChannels } from '../core/channels.js';
import { matchesFilter } from '../core/filter.js';
import { newId } from '../core/ids.js';
import type { HookEvent } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import { uidTaken } from '../store/uids.js';
import type { ServiceDeps } from './deps.js';
import type { PayloadSchemas } from './payload-schemas.js';
import { resolveEventType } from './tenant-event-types.js';

/** What a door publishes. */
export interface PublishInput {
  type: string;
  data: unknown;
  id?: string | undefined;
  resourceId?: string | null | undefined;
  deliverAt?: number | null | undefined;
  /** Publish to this application: only its subscriptions match. */
  applicationId?: string | null | undefined;
  /** The publisher's own id of the event; a second event with it in the same application is a conflict. */
  uid?: string | null | undefined;
  channels?: string[] | null | undefined;
  tags?: string[] | null | undefined;
  /** Accept a type that neither the tenant nor a catalog defines (as Svix does). */
  allowUndefinedType?: boolean | undefined;
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
  if (input.id !== undefined) {
    const existing = await deps.store.getEvent(tenantId, input.id);
    if (existing) return { event: existing, created: false, deliveries: 0 };
  }
  if (input.uid !== undefined && input.uid !== null && (await deps.store.getEventByUid(tenantId, input.applicationId ?? null, input.uid))) {
    throw uidTaken(input);
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
    applicationId: input.applicationId ?? null,
    uid: input.uid ?? null,
    channels: input.channels && input.channels.length > 0 ? input.channels : null,
    tags: input.tags && input.tags.length > 0 ? input.tags : null,
  };
  const subject = { type: event.type, resource_id: event.resourceId, data: event.data };
  const dueAt = Math.max(now, event.deliverAt ?? now);
  const deliveries: NewDelivery[] = (await deps.store.findSubscriptionsForEvent(tenantId, event.type))
    .filter(
      (subscription) =>
        reachesApplication(subscription.applicationId, event.applicationId) &&
        reachesChannels(subscription.channels, event.channels) &&
        matchesFilter(subscription.filter, subject),
    )
    .map((subscription) => ({ id: newId('delivery'), subscriptionId: subscription.id, dueAt }));
  const result = await deps.store.insertEventWithDeliveries(event, deliveries);
  return { event: result.event, created: result.created, deliveries: result.created ? deliveries.length : 0 };
}
