import { FourthwallErrorBody } from './errors.js';
import type { CompatPlatform } from '../shared/platform.js';
import { fourthwallCatalog } from './catalog.js';
import { FOURTHWALL } from './envelope.js';
import { FOURTHWALL_SCOPES, fourthwallRoutes } from './routes.js';

/** Fourthwall: `/compat/fourthwall/open-api/v1.0/webhooks`. */
export const fourthwall: CompatPlatform = {
  name: FOURTHWALL,
  plugin: fourthwallRoutes,
  basicAuth: true,
  catalog: fourthwallCatalog,
  scopes: FOURTHWALL_SCOPES,
  openapi: {
    title: 'Fourthwall Open API (Hookpost)',
    version: '1.0',
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' },
      basic: { type: 'http', scheme: 'basic', description: "A Hookpost tenant API key as Fourthwall's API credentials: its id as username, its token as password." },
    },
    error: FourthwallErrorBody,
  },
};
