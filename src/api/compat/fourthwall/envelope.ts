import { hmacBase64, iso, jsonFormat } from '../shared/formats.js';

/** The name of Fourthwall's door and delivery format. */
export const FOURTHWALL = 'fourthwall';

/** Fourthwall's signature header: base64 HMAC-SHA256 of the raw body, keyed with the shop's secret as UTF-8. */
export const FOURTHWALL_SIGNATURE_HEADER = 'x-fourthwall-hmac-sha256';

/**
 * Fourthwall's webhook event model: `{ testMode, id, webhookId, shopId, type, apiVersion,
 * createdAt, data }`. The shop is the tenant; `id` is the event id receivers dedupe on. The
 * subscription key's bytes are the shop secret's UTF-8 (see secrets.ts), so signing with the key
 * is signing with the secret, as Fourthwall documents.
 */
export const fourthwallFormat = jsonFormat({
  name: FOURTHWALL,
  body: ({ event, subscription }) => ({
    testMode: false,
    id: event.id,
    webhookId: subscription.id,
    shopId: subscription.tenantId,
    type: event.type,
    apiVersion: 'V1',
    createdAt: iso(event.createdAt),
    data: event.data,
  }),
  headers: (_input, body, key) => ({ [FOURTHWALL_SIGNATURE_HEADER]: hmacBase64(key, body) }),
});
