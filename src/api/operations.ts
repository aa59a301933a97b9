import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
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

/** `/readyz`: 200 when the database answers and has every migration this build knows; 503 otherwise. */
export function installReadiness(app: FastifyInstance, store: Store): void {
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
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
