import { routeTable } from '../../src/api/route-table.js';
import { call, type TestServer } from './server.js';

/** One operation of the OpenAPI document, as the walkers need it. */
export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The templated path, e.g. `/v1/tenants/{tenant}/subscriptions/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** True when the operation declares `security: []`: it is where credentials are obtained. */
  public: boolean;
  /** Media types of the request body; empty without one. */
  bodyTypes: string[];
  /** A body its schema accepts, as far as exampleOf can tell; undefined without a body. */
  exampleBody: unknown;
  /** The compat door whose route this is (`kajabi`, …), or undefined for a native route. */
  door?: string;
}

// Routes that are open by design and answer no tenant's data: probes, the API descriptions (native and each door's), the viewer.
const INFRASTRUCTURE = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/openapi\.json$/, /^\/docs(\/|$)/, /^\/compat\/[^/]+\/openapi\.json$/];
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Every route the app serves: the operations of /openapi.json, and then every route of the app's
 * real route table that the document leaves out (the compat doors' routes, and anything else
 * hidden), so that a walker misses no route. Only the infrastructure routes are left out.
 */
export async function listAllOperations(server: TestServer): Promise<Operation[]> {
  const documented = await listOperations(server);
  const seen = new Set(documented.map(label));
  const operations = [...documented];
  for (const route of routeTable(server.runtime.app)) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const method = route.method as Operation['method'];
    if (!METHODS.has(method) || INFRASTRUCTURE.some((pattern) => pattern.test(path))) continue;
    const operation: Operation = {
      method,
      path,
      pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      queryParams: Object.keys((route.schema.querystring as { properties?: object } | undefined)?.properties ?? {}),
      public: Array.isArray(route.schema.security) && route.schema.security.length === 0,
      bodyTypes: route.schema.body ? ['application/json'] : [],
      exampleBody: route.schema.body ? exampleOf(route.schema.body) : undefined,
      door: /^\/compat\/([^/]+)\//.exec(path)?.[1],
    };
    if (seen.has(label(operation))) continue;
    seen.add(label(operation));
    operations.push(operation);
  }
  return operations;
}

/** Every operation of GET /openapi.json (the native routes) but the infrastructure routes. */
export async function listOperations(server: TestServer): Promise<Operation[]> {
  const doc = await call(server, 'GET', '/openapi.json');
  if (doc.status !== 200) throw new Error(`GET /openapi.json answered ${doc.status}`);
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.body.paths)) {
    // The probes are described too (open to all); the walkers check them on their own.
    if (INFRASTRUCTURE.some((pattern) => pattern.test(path))) continue;
    for (const [method, op] of Object.entries<any>(methods)) {
      const parameters: { in: string; name: string }[] = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        public: Array.isArray(op.security) && op.security.length === 0,
        bodyTypes: Object.keys(op.requestBody?.content ?? {}),
        exampleBody: op.requestBody ? exampleOf(Object.values<any>(op.requestBody.content)[0]?.schema ?? {}) : undefined,
      });
    }
  }
  return operations;
}

/**
 * Fills a templated path: `value(name, resource)` gets each parameter's name and the path
 * segment before it (`subscriptions` for `/subscriptions/{id}`), and is URI-encoded.
 */
export function fillPath(path: string, value: (name: string, resource: string) => string): string {
  return path.replace(/([^/]*)\/\{([^}]+)\}/g, (_all, resource: string, name: string) => `${resource}/${encodeURIComponent(value(name, resource))}`);
}

/** A label for test titles. */
export const label = (op: Operation) => `${op.method} ${op.path}`;

/**
 * A small value that a JSON Schema probably accepts: its example or first enum value if it has
 * one, else the required properties filled in by type. Good enough to get a request past
 * validation to the handler, where authorization is decided.
 */
export function exampleOf(schema: any): unknown {
  if (schema === null || typeof schema !== 'object') return {};
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return exampleOf(alternatives.find((s: any) => s.type !== 'null') ?? alternatives[0]);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const name of schema.required ?? []) value[name] = exampleOf(schema.properties?.[name]);
      return value;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 0) }, () => exampleOf(schema.items));
    case 'string':
      if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/hook';
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'email') return 'someone@example.com';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return {};
  }
}
