import { hmacHex, iso, jsonFormat } from '../shared/formats.js';

/** Name of Thinkific's door and of its delivery format. */
export const THINKIFIC = 'thinkific';

/** A topic's two halves: `order_transaction.succeeded` → resource `order_transaction`, action `succeeded`. */
export function splitTopic(topic: string): { resource: string; action: string } {
  const dot = topic.indexOf('.');
  return dot < 0 ? { resource: topic, action: '' } : { resource: topic.slice(0, dot), action: topic.slice(dot + 1) };
}

/**
 * Thinkific's deliveries: `{ id, resource, action, tenant_id, created_at, payload }`, signed in
 * `X-Thinkific-Hmac-Sha256` with the hex HMAC-SHA256 of the body, keyed with the API key the
 * webhook was created with; `X-Thinkific-Topic` and `X-Thinkific-Subdomain` (the tenant) as well.
 */
export const thinkificFormat = jsonFormat({
  name: THINKIFIC,
  body: ({ event }) => ({
    id: event.id,
    ...splitTopic(event.type),
    tenant_id: event.tenantId,
    created_at: iso(event.createdAt),
    payload: event.data,
  }),
  headers: ({ event }, body, key) => ({
    'x-thinkific-hmac-sha256': hmacHex(key, body),
    'x-thinkific-topic': event.type,
    'x-thinkific-subdomain': event.tenantId,
  }),
});
