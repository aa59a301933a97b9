/**
 * Operational events: what Hookpost itself publishes into a tenant's stream when one of its
 * subscriptions changes health. A tenant subscribes to them like to any other type.
 */

const subscriptionId = { type: 'string', description: 'The subscription the event is about.' };

/** The operational event types, with the schema and example each has in the native catalog. */
export const OPERATIONAL_EVENT_TYPES = {
  'subscription.circuit_opened': {
    description: 'A subscription failed too many times in a row: its deliveries wait until a probe succeeds.',
    schema: {
      type: 'object',
      required: ['subscription_id', 'consecutive_failures', 'retry_at'],
      properties: {
        subscription_id: subscriptionId,
        consecutive_failures: { type: 'integer' },
        retry_at: { type: ['string', 'null'], format: 'date-time', description: 'When the probe goes.' },
      },
    },
    example: { subscription_id: 'sub_01J0000000000000000000000', consecutive_failures: 10, retry_at: '2026-01-01T00:01:00.000Z' },
  },
  'subscription.circuit_closed': {
    description: 'A subscription whose circuit was open answered again: its waiting deliveries go out.',
    schema: { type: 'object', required: ['subscription_id'], properties: { subscription_id: subscriptionId } },
    example: { subscription_id: 'sub_01J0000000000000000000000' },
  },
  'subscription.disabled': {
    description: 'A subscription was switched off: its endpoint answered 410 Gone, or every attempt failed for too long.',
    schema: {
      type: 'object',
      required: ['subscription_id', 'reason'],
      properties: { subscription_id: subscriptionId, reason: { type: 'string' } },
    },
    example: { subscription_id: 'sub_01J0000000000000000000000', reason: 'Every attempt failed for 120 hours.' },
  },
  'delivery.exhausted': {
    description: 'A delivery failed for good: its retries ran out (or its endpoint answered 410 Gone).',
    schema: {
      type: 'object',
      required: ['delivery_id', 'event_id', 'event_type', 'subscription_id', 'attempts', 'last_status_code'],
      properties: {
        delivery_id: { type: 'string' },
        event_id: { type: 'string' },
        event_type: { type: 'string' },
        subscription_id: subscriptionId,
        attempts: { type: 'integer' },
        last_status_code: { type: ['integer', 'null'] },
      },
    },
    example: {
      delivery_id: 'dlv_01J0000000000000000000000',
      event_id: 'evt_01J0000000000000000000000',
      event_type: 'order.created',
      subscription_id: 'sub_01J0000000000000000000000',
      attempts: 8,
      last_status_code: 503,
    },
  },
} as const;

/** The name of an operational event type. */
export type OperationalEventType = keyof typeof OPERATIONAL_EVENT_TYPES;

/** True for the types Hookpost publishes about its own subscriptions. */
export function isOperationalEventType(type: string): type is OperationalEventType {
  return Object.hasOwn(OPERATIONAL_EVENT_TYPES, type);
}
