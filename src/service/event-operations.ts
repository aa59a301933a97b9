import { HookpostError } from '../core/errors.js';
import { matchesFilter } from '../core/filter.js';
import { newId } from '../core/ids.js';
import type { HookEvent, Subscription } from '../core/model.js';
import type { NewDelivery } from '../store/store.js';
import { requireEvent } from './deliveries.js';
import type { ServiceDeps } from './deps.js';
import { findEventType } from './event-catalog.js';
import { newDelivery } from './event-plan.js';
import { requireSubscription } from './subscriptions.js';

/**
 * Sends a stored event again now: to every active subscription whose types and filter match it
 * today (subscriptions created after the event included), or to the one named. The new deliveries
 * are ordinary ones, with their own attempts and retries; the event keeps its id, so receivers
 * that already have it can dedupe. Returns their ids.
 */
export async function resendEvent(deps: ServiceDeps, tenantId: string, eventId: string, subscriptionId?: string): Promise<string[]> {
  const event = await requireEvent(deps, tenantId, eventId);
  const targets = subscriptionId === undefined ? await matchingSubscriptions(deps, event) : [await resendTarget(deps, event, subscriptionId)];
  const now = deps.now();
  const deliveries: NewDelivery[] = targets.map((s) => newDelivery(s, event, now));
  await deps.store.insertDeliveries(tenantId, event.id, deliveries, now);
  return deliveries.map((d) => d.id);
}

/**
 * Publishes the example of an event type to one subscription only (whatever its types): a new
 * event, stored and delivered like any other, so its attempts show in the log. Returns the event.
 */
export async function sendTestEvent(deps: ServiceDeps, tenantId: string, subscriptionId: string, eventType: string): Promise<HookEvent> {
  const subscription = await requireSubscription(deps, tenantId, subscriptionId);
  requireActive(subscription);
  const type = await findEventType(deps, eventType);
  if (!type) throw new HookpostError('unknown_event_type', `No event type ${eventType} in the catalog.`, [{ pointer: '/event_type', message: 'unknown event type' }]);
  if (type.example === null) {
    throw new HookpostError('validation_failed', `The event type ${eventType} has no example to send.`, [
      { pointer: '/event_type', message: 'this type has no example' },
    ]);
  }
  const now = deps.now();
  const event: HookEvent = { tenantId, id: newId('event'), type: type.name, data: type.example, resourceId: null, createdAt: now, deliverAt: null };
  await deps.store.insertEventWithDeliveries(event, [newDelivery(subscription, event, now)]);
  return event;
}

/**
 * Cancels a scheduled event's deliveries while it is not yet due (`deliver_at` in the future).
 * After that it may already be on its way: invalid_state (409). Cancelling twice is harmless.
 */
export async function cancelScheduledEvent(deps: ServiceDeps, tenantId: string, eventId: string): Promise<{ event: HookEvent; cancelled: number }> {
  const event = await requireEvent(deps, tenantId, eventId);
  const now = deps.now();
  if (event.deliverAt === null || event.deliverAt <= now) {
    throw new HookpostError('invalid_state', 'Only a scheduled event that is not yet due can be cancelled; this one is due or delivered already.');
  }
  return { event, cancelled: await deps.store.cancelScheduledDeliveries(tenantId, eventId, now) };
}

async function matchingSubscriptions(deps: ServiceDeps, event: HookEvent): Promise<Subscription[]> {
  const subject = { type: event.type, resource_id: event.resourceId, data: event.data };
  return (await deps.store.findSubscriptionsForEvent(event.tenantId, event.type)).filter((s) => matchesFilter(s.filter, subject));
}

// A named subscription gets the event if it listens to the event's type; its filter is not asked,
// since naming it is a deliberate choice.
async function resendTarget(deps: ServiceDeps, event: HookEvent, subscriptionId: string): Promise<Subscription> {
  const subscription = await requireSubscription(deps, event.tenantId, subscriptionId);
  requireActive(subscription);
  if (!subscription.eventTypes.includes('*') && !subscription.eventTypes.includes(event.type)) {
    throw new HookpostError('validation_failed', `Subscription ${subscriptionId} does not receive ${event.type} events.`, [
      { pointer: '/subscription_id', message: `not subscribed to ${event.type}` },
    ]);
  }
  return subscription;
}

function requireActive(subscription: Subscription): void {
  if (!subscription.active) throw new HookpostError('invalid_state', `Subscription ${subscription.id} is disabled; enable it first.`);
}
