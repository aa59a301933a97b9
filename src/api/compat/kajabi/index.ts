import { KajabiErrorBody } from './errors.js';
import { JSON_API } from './hooks.js';
import type { CompatPlatform } from '../shared/platform.js';
import { KAJABI_SCOPES, kajabiCatalog } from './catalog.js';
import { KAJABI } from './format.js';
import { KAJABI_API_VERSION, kajabiRoutes } from './routes.js';

/** Kajabi: `/compat/kajabi/v1/hooks`. */
export const kajabi: CompatPlatform = {
  name: KAJABI,
  plugin: kajabiRoutes,
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
