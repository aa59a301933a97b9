import type { HookEvent, Subscription } from './model.js';

/**
 * The group a delivery of this event to this subscription is ordered within: null when it is not
 * ordered, '' for the whole subscription, or the event's ordering key. Fixed when the delivery is
 * made, so changing a subscription's ordering affects only later deliveries.
 */
export function orderingGroup(subscription: Pick<Subscription, 'ordering'>, event: Pick<HookEvent, 'orderingKey'>): string | null {
  switch (subscription.ordering ?? 'none') {
    case 'subscription':
      return '';
    case 'key':
      return event.orderingKey ?? null;
    default:
      return null;
  }
}
