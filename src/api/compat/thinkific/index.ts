import { ThinkificErrorBody } from './errors.js';
import { hmacHex, iso, jsonFormat } from '../shared/formats.js';
import type { CompatPlatform } from '../shared/platform.js';
import { splitTopic, thinkificCatalog } from './catalog.js';
import { THINKIFIC, thinkificRoutes } from './routes.js';

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

/** Thinkific: `/compat/thinkific/api/v2/webhooks` and `/events/{id}`. */
export const thinkific: CompatPlatform = {
  name: THINKIFIC,
  plugin: thinkificRoutes,
  formats: [thinkificFormat],
  catalog: thinkificCatalog,
  openapi: {
    title: 'Thinkific Webhooks API v2 (Hookpost)',
    version: '2',
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: ThinkificErrorBody,
  },
};
