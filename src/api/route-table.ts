import type { FastifyInstance, RouteOptions } from 'fastify';

/** One route the app serves, as registered: its method, URL (`:param` syntax), schema and config. */
export interface RouteEntry {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  config: Record<string, unknown>;
}

// Keyed by the root instance; doors change their routes' options (e.g. add their error
// responses to the schema) in their own onRoute hooks, after ours has seen the options object, so the
// entries are read from those objects when asked for rather than copied now.
const tables = new WeakMap<object, RouteOptions[]>();

/**
 * Records every route registered on the app from here on, native and compat doors alike, so
 * that tests can walk the real route table rather than only what /openapi.json describes.
 * Call before any route is registered.
 */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  tables.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
}

/** Every route of an app that recordRoutes was called on, one entry per method; HEAD routes that Fastify adds for GETs left out. */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  const routes = tables.get(app);
  if (!routes) throw new Error('routeTable needs recordRoutes(app) before the routes were registered.');
  return routes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method])
      .filter((method) => method !== 'HEAD')
      .map((method) => ({
        method,
        url: route.url,
        schema: (route.schema ?? {}) as Record<string, unknown>,
        config: (route.config ?? {}) as Record<string, unknown>,
      })),
  );
}
