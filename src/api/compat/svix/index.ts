import { SvixErrorBody } from './errors.js';
import { jsonFormat } from '../shared/formats.js';
import type { CompatPlatform } from '../shared/platform.js';
import { SVIX } from './lookup.js';
import { svixRoutes } from './routes.js';

/**
 * Svix's deliveries: the message payload as the body, signed with the Standard Webhooks headers
 * and the same values again as `svix-id`, `svix-timestamp` and `svix-signature` (what Svix's
 * own receivers and its SDK's Webhook class read).
 */
export const svixFormat = { ...jsonFormat({ name: SVIX, body: ({ event }) => event.data }), standardHeaderAlias: 'svix' };

/** Svix: `/compat/svix/api/v1/…`, the official SDK's `serverUrl` being `/compat/svix`. */
export const svix: CompatPlatform = {
  name: SVIX,
  plugin: svixRoutes,
  formats: [svixFormat],
  // Svix event types belong to each tenant (its "environment"), not to a shared catalog.
  catalog: [],
  openapi: {
    title: 'Svix API (Hookpost)',
    version: '1.1.1',
    securitySchemes: { HTTPBearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: SvixErrorBody,
  },
};
