import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { Type } from '../vendor/typebox.js';
import type { Store } from '../store/store.js';

/**
 * Counts and times every request by route template (`/v1/tenants/:tenant/events`), never the raw
 * URL: ids in paths would make label values unbounded. Unrouted requests share one label.
 */
export function installRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'hookpost_http_request_duration_seconds',
    help: 'API requests by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
  });
}

// The probes answer anyone: load balancers and scrapers hold no Hookpost credential.
const tags = ['operations'];
const OPEN: [] = [];

const Health = Type.Object(
  { status: Type.Literal('ok') },
  { additionalProperties: true, description: 'The process is up; with its role and, where it runs one, its dispatcher state.' },
);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Union([Type.Literal('reachable'), Type.Literal('unreachable')]),
  pending_migrations: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** What the probes report on. */
export interface ProbeDeps {
  store: Store;
  metrics: Registry;
  /** Extra facts for /healthz (role, dispatcher state). */
  health?: () => Record<string, unknown>;
}

/** `/healthz` (the process is up), `/readyz` (it can serve) and `/metrics` (Prometheus), open to every caller. */
export function installProbes(app: FastifyInstance, deps: ProbeDeps): void {
  app.get('/healthz', { schema: { tags, summary: 'Liveness', security: OPEN, response: { 200: Health } } }, async () => ({ status: 'ok' as const, ...deps.health?.() }));
  installReadiness(app, deps.store);
  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics',
        security: OPEN,
        response: { 200: { description: 'The Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}

/** `/readyz`: 200 when the database answers and has every migration this build knows; 503 otherwise. */
function installReadiness(app: FastifyInstance, store: Store): void {
  const response = { 200: { ...Readiness, description: 'Ready.' }, 503: { ...Readiness, description: 'Not ready: the database is unreachable or not migrated.' } };
  app.get('/readyz', { schema: { tags, summary: 'Readiness', security: OPEN, response } }, async (_request, reply) => {
    try {
      const pending = await store.pendingMigrations();
      if (pending > 0) return reply.code(503).send({ status: 'not_ready', database: 'reachable', pending_migrations: pending });
      return { status: 'ready', database: 'reachable', pending_migrations: 0 };
    } catch {
      // The reason is the store's to log; a probe only needs to know not to send traffic here.
      return reply.code(503).send({ status: 'not_ready', database: 'unreachable' });
    }
  });
}
