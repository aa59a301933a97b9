import { KajabiErrorBody } from './errors.js';
import { JSON_API } from './hooks.js';
import { jsonFormat } from '../shared/formats.js';
import type { CompatPlatform } from '../shared/platform.js';
import { KAJABI_SCOPES, kajabiCatalog } from './catalog.js';
import { KAJABI, KAJABI_API_VERSION, kajabiRoutes } from './routes.js';

/**
 * Kajabi's deliveries: `{ id, event, payload }`, where `id` is the resource that triggered the
 * event (the event's resource_id, else the event id) and `payload` the array of resources. Kajabi
 * documents no signature; the Standard Webhooks headers sign every delivery.
 */
export const kajabiFormat = jsonFormat({
  name: KAJABI,
  body: ({ event }) => ({
    id: event.resourceId ?? event.id,
    event: event.type,
    payload: (event.data as { payload?: unknown }).payload ?? [],
  }),
});

/** Kajabi: `/compat/kajabi/v1/hooks`. */
export const kajabi: CompatPlatform = {
  name: KAJABI,
  plugin: kajabiRoutes,
  formats: [kajabiFormat],
  catalog: kajabiCatalog,
  scopes: KAJABI_SCOPES,
  openapi: {
    title: 'Kajabi API (Hookpost)',
    version: KAJABI_API_VERSION,
    securitySchemes: {
      Bearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' },
      oauth2: {
        type: 'oauth2',
        description: "Kajabi's client credentials grant: a Hookpost tenant API key's id and token as client id and secret.",
        flows: { clientCredentials: { tokenUrl: `/compat/${KAJABI}/v1/oauth/token`, scopes: Object.fromEntries(KAJABI_SCOPES.map((scope) => [scope, scope])) } },
      },
    },
    error: KajabiErrorBody,
    errorMediaType: JSON_API,
  },
};
