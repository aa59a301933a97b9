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
}

/** Every operation of GET /openapi.json: native routes and any compat door mounted so far. */
export async function listOperations(server: TestServer): Promise<Operation[]> {
  const doc = await call(server, 'GET', '/openapi.json');
  if (doc.status !== 200) throw new Error(`GET /openapi.json answered ${doc.status}`);
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.body.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const parameters: { in: string; name: string }[] = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        public: Array.isArray(op.security) && op.security.length === 0,
        bodyTypes: Object.keys(op.requestBody?.content ?? {}),
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
