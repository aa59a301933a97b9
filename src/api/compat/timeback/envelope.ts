import { createHmac } from 'node:crypto';
import type { HookEvent } from '../../../core/model.js';
import { jsonFormat } from '../shared/formats.js';
import { CALIPER_DATA_VERSION } from './catalog.js';
import { openClientSecret, platformDataOf } from './mapping.js';

/** The name of Timeback's delivery format, kept on its subscriptions. */
export const TIMEBACK_FORMAT = 'timeback';

/** The Timeback signature header: `sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the webhook's secret. */
export const TIMEBACK_SIGNATURE_HEADER = 'x-webhook-signature';

/** The hex HMAC-SHA256 Timeback deliveries carry, prefixed as the header shows it. */
export function signTimebackBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * The sensor an event came from: the `resource_id` it was published with (Caliper ingest sets
 * it to the envelope's sensor), else the event's own `edApp`.
 */
export function sensorOf(event: HookEvent): string | null {
  if (event.resourceId !== null) return event.resourceId;
  const edApp = (event.data as { edApp?: unknown } | null)?.edApp;
  if (typeof edApp === 'string') return edApp;
  if (edApp && typeof edApp === 'object' && typeof (edApp as { id?: unknown }).id === 'string') return (edApp as { id: string }).id;
  return null;
}

/**
 * Timeback deliveries: a Caliper envelope holding the one matching event, signed with the secret
 * the client chose (kept sealed under the subscription's key, see mapping.ts).
 */
export const timebackFormat = jsonFormat({
  name: TIMEBACK_FORMAT,
  body: ({ event, subscription, timestampSeconds }) => ({
    sensor: sensorOf(event) ?? subscription.tenantId,
    sendTime: new Date(timestampSeconds * 1000).toISOString(),
    dataVersion: CALIPER_DATA_VERSION,
    data: [event.data],
  }),
  headers: ({ event, subscription, secret }, body) => ({
    'x-webhook-id': subscription.id,
    'x-webhook-event-id': event.id,
    [TIMEBACK_SIGNATURE_HEADER]: signTimebackBody(openClientSecret(secret, platformDataOf(subscription).sealedSecret), body),
  }),
});
