import type { CompatPlatform } from '../shared/platform.js';
import { fourthwallCatalog } from './catalog.js';
import { FOURTHWALL, fourthwallFormat } from './envelope.js';
import { FOURTHWALL_SCOPES, fourthwallRoutes } from './routes.js';

/** Fourthwall: `/compat/fourthwall/open-api/v1.0/webhooks`. */
export const fourthwall: CompatPlatform = {
  name: FOURTHWALL,
  plugin: fourthwallRoutes,
  formats: [fourthwallFormat],
  basicAuth: true,
  catalog: fourthwallCatalog,
  scopes: FOURTHWALL_SCOPES,
};
