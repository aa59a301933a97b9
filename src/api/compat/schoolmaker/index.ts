import { SchoolMakerErrorBody } from './errors.js';
import type { CompatPlatform } from '../shared/platform.js';
import { schoolmakerCatalog } from './catalog.js';
import { SCHOOLMAKER } from './format.js';
import { schoolmakerRoutes } from './routes.js';

/** SchoolMaker: `/compat/schoolmaker/api/v1/webhooks`. */
export const schoolmaker: CompatPlatform = {
  name: SCHOOLMAKER,
  plugin: schoolmakerRoutes,
  catalog: schoolmakerCatalog,
  openapi: {
    title: 'SchoolMaker API V1 (Hookpost)',
    version: '1.0.0',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: SchoolMakerErrorBody,
  },
};
