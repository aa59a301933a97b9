import { TIMEBACK_SCOPE_PREFIX } from './access.js';
import { TimebackErrorBody } from './errors.js';
import type { CompatPlatform } from '../shared/platform.js';
import { installPlatformErrors } from '../shared/errors.js';
import { tokenEndpoint } from '../../oauth-token.js';
import { TIMEBACK_KEY_SCOPES, keyScopeOf, timebackAccess } from './access.js';
import { caliperRoutes } from './caliper-routes.js';
import { timebackCatalog } from './catalog.js';
import { mapStatusError } from './errors.js';
import { filterRoutes } from './filter-routes.js';
import { installTimebackValidation } from './issues.js';
import { webhookRoutes } from './webhook-routes.js';

/**
 * Timeback (Alpha's Webhooks API over IMS Caliper), at `/compat/timeback`: webhooks, webhook
 * filters, Caliper ingest and the client-credentials token endpoint.
 */
export const timeback: CompatPlatform = {
  name: 'timeback',
  catalog: timebackCatalog,
  scopes: TIMEBACK_KEY_SCOPES,
  openapi: {
    title: 'Timeback Webhooks API (Hookpost)',
    version: '1.0.0',
    securitySchemes: {
      OAuth2: {
        type: 'oauth2',
        description: "Timeback's client credentials grant: a Hookpost tenant API key's id and token as client id and secret.",
        flows: {
          clientCredentials: {
            tokenUrl: '/compat/timeback/oauth2/token',
            scopes: Object.fromEntries(['admin', ...TIMEBACK_KEY_SCOPES].map((scope) => [`${TIMEBACK_SCOPE_PREFIX}${scope}`, scope])),
          },
        },
      },
      bearer: { type: 'http', scheme: 'bearer', description: 'A Hookpost tenant API key.' },
    },
    error: TimebackErrorBody,
  },
  async plugin(app, deps) {
    installTimebackValidation(app);
    installPlatformErrors(app, mapStatusError);
    timebackAccess.install(app);
    await app.register(webhookRoutes, { ...deps, prefix: '/webhooks' });
    await app.register(filterRoutes, { ...deps, prefix: '/webhook-filters' });
    await app.register(caliperRoutes, { ...deps, prefix: '/caliper' });
    // Timeback's (Cognito's) token endpoint; its scope URIs name key scopes.
    await app.register(tokenEndpoint({ path: '/oauth2/token', keyScopeOf }), { service: deps.service, schemas: deps.schemas });
  },
};
