import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * Hookpost's own OpenAPI document at /openapi.json (and its viewer at /docs), generated from the
 * route schemas of every native route registered after this: the /v1 API, the token endpoint and
 * the probes. The doors are left out: each describes itself at /compat/<name>/openapi.json.
 */
export async function installApiDescription(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hookpost API', version, description: 'Durable events, signed webhook deliveries, retries and logs.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema: url.startsWith('/compat/') ? { ...schema, hide: true } : schema, url }),
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
