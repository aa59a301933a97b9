import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ServiceDeps } from '../service/deps.js';
import type { PayloadSchemas } from '../service/payload-schemas.js';
import { installAuditFallback } from './audit-trail.js';
import { authorizeRoute, createAuthenticator } from './auth.js';
import { installErrorHandling } from './errors.js';
import { installJsonBodyParser } from './json-body.js';
import { oauthTokenRoutes } from './oauth-token.js';
import { installApiDescription } from './api-description.js';
import { installProbes, installRequestMetrics } from './operations.js';
import { createRequestLimits } from './rate-limit.js';
import { recordRoutes } from './route-table.js';
import { ErrorResponse } from './schemas.js';
import { buildSerializerOnFirstUse } from './serialization.js';
import { createValidatorCompiler } from './validation.js';
import { apiKeyRoutes } from './v1/api-keys.js';
import { auditLogRoutes } from './v1/audit-log.js';
import { deliveryRoutes } from './v1/deliveries.js';
import { eventRoutes } from './v1/events.js';
import { eventBatchRoutes } from './v1/event-batches.js';
import { eventTypeRoutes } from './v1/event-types.js';
import { eventOperationRoutes } from './v1/event-operations.js';
import { recoveryRoutes } from './v1/recovery.js';
import { subscriptionStreamRoutes } from './v1/subscription-stream.js';
import { subscriptionRoutes } from './v1/subscriptions.js';
import { tenantRoutes } from './v1/tenants.js';

/** A door mounted under `/compat/<name>`: a seed platform's API on top of the same services. */
export interface CompatDoor {
  name: string;
  plugin: FastifyPluginAsync<{ service: ServiceDeps; schemas: PayloadSchemas }>;
  /** The platform's own API scopes (e.g. Kajabi's `view:purchases`), which tenant keys may then hold. */
  scopes?: readonly string[];
  /** The platform's clients may send an API key as HTTP Basic (its id as username, its token as password). */
  basicAuth?: boolean;
}

/** What the HTTP app is built from. */
export interface AppDeps {
  service: ServiceDeps;
  schemas: PayloadSchemas;
  adminToken: string;
  logger: Logger;
  metrics: Registry;
  bodyLimitBytes: number;
  /** Header size and JSON depth limits (see config); defaults when absent. */
  limits?: { maxHeaderBytes: number; maxJsonDepth: number };
  /** Requests per minute per credential and per address; 0 or absent: unlimited. */
  rateLimit?: { perCredentialPerMinute: number; perAddressPerMinute: number };
  /** False in a worker process: only /healthz, /readyz and /metrics are served. */
  serveApi: boolean;
  compat?: CompatDoor[];
  /** The package version, which the OpenAPI document carries. */
  version?: string;
  /** Extra facts for /healthz (role, dispatcher state). */
  health?: () => Record<string, unknown>;
}

// Probes and scrapes must keep working while a client is being throttled.
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Builds the Fastify app: native /v1 API, compat doors, OpenAPI at /openapi.json and /docs, health and metrics. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // Node answers a larger request head with 431 before any of our code runs.
    http: { maxHeaderSize: deps.limits?.maxHeaderBytes ?? 16 * 1024 },
    // Per-request info lines would cost more than the requests on the publish path; see the debug hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    // Svix's SDK 1.x asks for `…/compat/svix//api/v1/…` when its serverUrl ends with a slash.
    routerOptions: { ignoreDuplicateSlashes: true },
    // Response serializers compile on first use (validators too, see validation.ts): start-up time.
    schemaController: { compilersFactory: { buildSerializer: buildSerializerOnFirstUse as never } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  recordRoutes(app);
  app.setValidatorCompiler(createValidatorCompiler());
  app.addSchema(ErrorResponse);
  installErrorHandling(app);
  installJsonBodyParser(app, deps.limits?.maxJsonDepth ?? 32);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  installRequestMetrics(app, deps.metrics);
  // The API description (an API process's only) is registered before the probes, so that it describes them too.
  if (deps.serveApi) await installApiDescription(app, deps.version ?? '0.0.0');
  installProbes(app, { store: deps.service.store, metrics: deps.metrics, health: deps.health });
  if (!deps.serveApi) return app;

  const basicAuthPrefixes = (deps.compat ?? []).filter((door) => door.basicAuth).map((door) => `/compat/${door.name}/`);
  const authenticate = createAuthenticator(deps.service, deps.adminToken, { basicAuthPrefixes });
  const limits = createRequestLimits(deps.rateLimit ?? { perAddressPerMinute: 0, perCredentialPerMinute: 0 });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (UNLIMITED_PATHS.has(request.url.split('?')[0]!)) return;
    // The address is limited before authenticating, so that guessing tokens costs a limited budget too.
    limits.checkAddress(request);
    request.principal = await authenticate(request);
    limits.checkCredential(request);
    // Authorisation runs before the body is parsed or validated (see authorizeRoute).
    authorizeRoute(request);
  });
  installAuditFallback(app, deps.service);

  const routeDeps = { service: deps.service, schemas: deps.schemas };
  await app.register(
    async (v1) => {
      // Every native route names its scope, so none can be added unguarded.
      // A POST sent with no body at all (no content type) is an empty object, as with an empty JSON body.
      v1.addHook('preValidation', async (request) => {
        if (request.method === 'POST' && request.body === undefined) request.body = {};
      });
      v1.addHook('onRoute', (route) => {
        if (route.config?.scope === undefined) throw new Error(`${String(route.method)} ${route.url} declares no config.scope.`);
      });
      for (const routes of [tenantRoutes, apiKeyRoutes, eventTypeRoutes, subscriptionRoutes, eventRoutes, eventBatchRoutes, deliveryRoutes, auditLogRoutes, recoveryRoutes, eventOperationRoutes, subscriptionStreamRoutes]) {
        await v1.register(routes, routeDeps);
      }
    },
    { prefix: '/v1' },
  );
  await app.register(oauthTokenRoutes, routeDeps);
  for (const door of deps.compat ?? []) await app.register(door.plugin, { ...routeDeps, prefix: `/compat/${door.name}` });
  return app;
}
