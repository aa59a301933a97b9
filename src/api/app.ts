import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ServiceDeps } from '../service/deps.js';
import type { PayloadSchemas } from '../service/payload-schemas.js';
import { authorize, createAuthenticator } from './auth.js';
import { installErrorHandling } from './errors.js';
import { ErrorResponse } from './schemas.js';
import { createValidatorCompiler } from './validation.js';
import { deliveryRoutes } from './v1/deliveries.js';
import { eventRoutes } from './v1/events.js';
import { eventTypeRoutes } from './v1/event-types.js';
import { subscriptionRoutes } from './v1/subscriptions.js';
import { tenantRoutes } from './v1/tenants.js';

/** A door mounted under `/compat/<name>`: a seed platform's API on top of the same services. */
export interface CompatDoor {
  name: string;
  plugin: FastifyPluginAsync<{ service: ServiceDeps; schemas: PayloadSchemas }>;
  /** The platform's own API scopes (e.g. Kajabi's `view:purchases`), which tenant keys may then hold. */
  scopes?: readonly string[];
}

/** What the HTTP app is built from. */
export interface AppDeps {
  service: ServiceDeps;
  schemas: PayloadSchemas;
  adminToken: string;
  logger: Logger;
  metrics: Registry;
  bodyLimitBytes: number;
  /** False in a worker process: only /healthz and /metrics are served. */
  serveApi: boolean;
  compat?: CompatDoor[];
  /** Extra facts for /healthz (role, dispatcher state). */
  health?: () => Record<string, unknown>;
}

/** Builds the Fastify app: native /v1 API, compat doors, OpenAPI at /openapi.json and /docs, health and metrics. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // Per-request info lines would cost more than the requests on the publish path; see the debug hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.addSchema(ErrorResponse);
  installErrorHandling(app);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', ...deps.health?.() }));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
  if (!deps.serveApi) return app;

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hookpost API', version: '1', description: 'Durable events, signed webhook deliveries, retries and logs.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const authenticate = createAuthenticator(deps.service, deps.adminToken);
  app.decorateRequest('principal', null);
  // Authentication and authorisation run before the body is parsed or validated, so a caller
  // without the right credential learns nothing about what the route would accept.
  app.addHook('onRequest', async (request) => {
    request.principal = await authenticate(request);
    const scope = request.routeOptions.config.scope;
    if (scope) authorize(request, scope, (request.params as { tenant?: string } | undefined)?.tenant);
  });

  const routeDeps = { service: deps.service, schemas: deps.schemas, platformScopes: (deps.compat ?? []).flatMap((door) => door.scopes ?? []) };
  await app.register(
    async (v1) => {
      for (const routes of [tenantRoutes, eventTypeRoutes, subscriptionRoutes, eventRoutes, deliveryRoutes]) {
        await v1.register(routes, routeDeps);
      }
    },
    { prefix: '/v1' },
  );
  for (const door of deps.compat ?? []) await app.register(door.plugin, { ...routeDeps, prefix: `/compat/${door.name}` });
  return app;
}
