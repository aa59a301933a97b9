import { SvixErrorBody } from './errors.js';
import type { CompatPlatform } from '../shared/platform.js';
import { SVIX } from './lookup.js';
import { svixRoutes } from './routes.js';

/** Svix: `/compat/svix/api/v1/…`, the official SDK's `serverUrl` being `/compat/svix`. */
export const svix: CompatPlatform = {
  name: SVIX,
  plugin: svixRoutes,
  // Svix event types belong to each tenant (its "environment"), not to a shared catalog.
  catalog: [],
  openapi: {
    title: 'Svix API (Hookpost)',
    version: '1.1.1',
    securitySchemes: { HTTPBearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: SvixErrorBody,
  },
};
