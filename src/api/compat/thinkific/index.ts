import { ThinkificErrorBody } from './errors.js';
import type { CompatPlatform } from '../shared/platform.js';
import { thinkificCatalog } from './catalog.js';
import { THINKIFIC } from './format.js';
import { thinkificRoutes } from './routes.js';

/** Thinkific: `/compat/thinkific/api/v2/webhooks` and `/events/{id}`. */
export const thinkific: CompatPlatform = {
  name: THINKIFIC,
  plugin: thinkificRoutes,
  catalog: thinkificCatalog,
  openapi: {
    title: 'Thinkific Webhooks API v2 (Hookpost)',
    version: '2',
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: ThinkificErrorBody,
  },
};
