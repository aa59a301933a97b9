import { SchoolMakerErrorBody } from './errors.js';
import { jsonFormat, iso } from '../shared/formats.js';
import type { CompatPlatform } from '../shared/platform.js';
import { schoolmakerCatalog } from './catalog.js';
import { SCHOOLMAKER, schoolmakerRoutes } from './routes.js';

/**
 * SchoolMaker's deliveries: its docs show a flat JSON object of event data, so the body is the
 * event's data with `event_type` and `created_at` first. SchoolMaker documents no signature; the
 * Standard Webhooks headers sign every delivery.
 */
export const schoolmakerFormat = jsonFormat({
  name: SCHOOLMAKER,
  body: ({ event }) => {
    const { event_type: _ignored, ...data } = event.data as Record<string, unknown>;
    return { event_type: event.type, created_at: iso(event.createdAt), ...data };
  },
});

/** SchoolMaker: `/compat/schoolmaker/api/v1/webhooks`. */
export const schoolmaker: CompatPlatform = {
  name: SCHOOLMAKER,
  plugin: schoolmakerRoutes,
  formats: [schoolmakerFormat],
  catalog: schoolmakerCatalog,
  openapi: {
    title: 'SchoolMaker API V1 (Hookpost)',
    version: '1.0.0',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' } },
    error: SchoolMakerErrorBody,
  },
};
