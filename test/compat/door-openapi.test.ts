import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_DOORS } from '../../src/api/compat/index.js';
import { routeTable } from '../../src/api/route-table.js';
import { call, createTenant, startServer, type TestServer, type TestTenant } from '../support/server.js';
import { platformFetch } from './shared-harness.js';

// Each door serves its own OpenAPI document at /compat/<door>/openapi.json. These tests hold it to
// the OpenAPI 3.1 rules a client generator relies on, and to the door's real route table.

const addFormats = ajvFormats.default as unknown as (ajv: Ajv2020) => Ajv2020;
const DOORS = Object.keys(PLATFORM_DOORS);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('each door\'s OpenAPI document', () => {
  let server: TestServer;
  const documents = new Map<string, any>();

  beforeAll(async () => {
    server = await startServer();
    for (const door of DOORS) {
      const answer = await call(server, 'GET', `/compat/${door}/openapi.json`);
      expect(answer.status, door).toBe(200);
      documents.set(door, answer.body);
    }
  });
  afterAll(() => server.close());

  it('is served for every door without credentials', () => {
    expect([...documents.keys()].sort()).toEqual([...DOORS].sort());
    expect(DOORS).toContain('svix');
  });

  it.each(DOORS)('%s: names the door prefix as its server, so paths are the platform\'s own', (door) => {
    const document = documents.get(door);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.info.version).toEqual(expect.any(String));
    expect(document.servers).toEqual([{ url: `/compat/${door}` }]);
    for (const path of Object.keys(document.paths)) {
      expect(path.startsWith('/'), path).toBe(true);
      expect(path.startsWith('/compat/'), path).toBe(false);
    }
  });

  it.each(DOORS)('%s: lists exactly the routes the door serves', (door) => {
    const prefix = `/compat/${door}`;
    const served = routeTable(server.runtime.app)
      .filter((route) => route.url.startsWith(`${prefix}/`) && route.url !== `${prefix}/openapi.json`)
      .map((route) => `${route.method} ${route.url.slice(prefix.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const documented = Object.entries<Record<string, unknown>>(documents.get(door).paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(0);
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it.each(DOORS)('%s: is a well-formed OpenAPI 3.1 document', (door) => {
    expect(problemsOf(documents.get(door))).toEqual([]);
  });

  it.each(DOORS)('%s: describes each operation\'s request body, its success answers and its error shape', (door) => {
    const document = documents.get(door);
    const prefix = `/compat/${door}`;
    const takesBody = new Set(
      routeTable(server.runtime.app)
        .filter((route) => route.url.startsWith(`${prefix}/`) && route.schema.body !== undefined)
        .map((route) => `${route.method.toLowerCase()} ${route.url.slice(prefix.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        // Success, or the one call Hookpost documents as not served (Svix's portal links).
        expect(statuses.some((status) => /^2/.test(status) || status === '501'), where).toBe(true);
        expect(Object.values<any>(operation.responses['4XX']?.content ?? {})[0]?.schema, where).toBeDefined();
        for (const status of statuses.filter((s) => /^2/.test(s))) {
          const response = operation.responses[status];
          // A response without a body says so; every other one has a schema.
          if (response.content === undefined) expect(response.description, `${where} ${status}`).toMatch(/^(Deleted|Rotated|Replaced|Changed|Healthy|Archived)/);
          else expect(Object.values<any>(response.content)[0]?.schema, `${where} ${status}`).toBeDefined();
        }
        if (takesBody.has(`${method} ${path}`)) expect(Object.values<any>(operation.requestBody?.content ?? {})[0]?.schema, `${where} body`).toBeDefined();
      }
    }
  });

  // Real answers of each door, as its clients get them, checked against the schema its document
  // gives for that operation and status (an error against its 4XX schema).
  const flows: Record<string, (door: Door) => Promise<void>> = {
    schoolmaker: async (door) => {
      const created = await door.call('POST', '/api/v1/webhooks', { webhook_url: TARGET, event_type: 'new_payment' }, 201);
      await door.call('GET', '/api/v1/webhooks', undefined, 200);
      await door.call('GET', `/api/v1/webhooks/${created.id}`, undefined, 200);
      await door.call('POST', '/api/v1/webhooks', { event_type: 'nope' }, 422);
      await door.call('DELETE', `/api/v1/webhooks/${created.id}`, undefined, 204);
    },
    thinkific: async (door) => {
      const created = await door.call('POST', '/api/v2/webhooks', { topic: 'order.created', target_url: TARGET }, 201);
      await door.call('GET', '/api/v2/webhooks?limit=1', undefined, 200);
      await door.call('PUT', `/api/v2/webhooks/${created.id}`, { topic: 'user.signup', target_url: TARGET }, 200);
      await door.call('GET', '/api/v2/webhooks/none', undefined, 404);
      await door.call('POST', '/api/v2/webhooks', { topic: 'nope', target_url: TARGET }, 422);
    },
    kajabi: async (door) => {
      const created = await door.call('POST', '/v1/hooks', { data: { type: 'hooks', attributes: { target_url: TARGET, event: 'purchase' }, relationships: { site: {} } } }, 201);
      await door.call('GET', '/v1/hooks?page[size]=1', undefined, 200);
      await door.call('GET', `/v1/hooks/${created.data.id}`, undefined, 200);
      await door.call('GET', '/v1/hooks/purchase_sample', undefined, 200);
      await door.call('GET', '/v1/version', undefined, 200);
      await door.call('POST', '/v1/hooks', { data: { type: 'hooks' } }, 422);
    },
    fourthwall: async (door) => {
      const created = await door.call('POST', '/open-api/v1.0/webhooks', { url: TARGET, allowedTypes: ['ORDER_PLACED'] }, 200);
      await door.call('GET', '/open-api/v1.0/webhooks', undefined, 200);
      await door.call('PUT', `/open-api/v1.0/webhooks/${created.id}`, { allowedTypes: ['DONATION'] }, 200);
      await door.call('GET', '/open-api/v1.0/webhooks/none', undefined, 404);
      await door.call('DELETE', `/open-api/v1.0/webhooks/${created.id}`, undefined, 200);
    },
    timeback: async (door) => {
      const { webhook } = await door.call('POST', '/webhooks/', { name: 'Hook', description: null, targetUrl: TARGET, secret: 's3cret', active: true }, 201);
      await door.call('GET', '/webhooks/', undefined, 200);
      await door.call('PUT', `/webhooks/${webhook.id}/deactivate`, undefined, 200);
      const filter = { webhookId: webhook.id, filterKey: 'type', filterValue: 'ActivityEvent', filterType: 'string', filterOperation: 'eq', active: true };
      await door.call('POST', '/webhook-filters/', filter, 201);
      await door.call('GET', `/webhook-filters/webhook/${webhook.id}`, undefined, 200);
      await door.call('POST', '/webhooks/', { name: 'Hook' }, 400);
      await door.call('DELETE', `/webhooks/${webhook.id}`, undefined, 200);
    },
    svix: async (door) => {
      const app = await door.call('POST', '/api/v1/app', { name: 'Shop', uid: 'shop-1' }, 201);
      await door.call('GET', '/api/v1/app', undefined, 200);
      await door.call('POST', '/api/v1/event-type', { name: 'invoice.paid', description: 'An invoice was paid' }, 201);
      await door.call('GET', '/api/v1/event-type', undefined, 200);
      await door.call('POST', `/api/v1/app/${app.id}/endpoint`, { url: TARGET, filterTypes: ['invoice.paid'] }, 201);
      await door.call('GET', `/api/v1/app/${app.id}/endpoint`, undefined, 200);
      const message = await door.call('POST', `/api/v1/app/${app.id}/msg`, { eventType: 'invoice.paid', payload: { id: 1 } }, 202);
      await door.call('GET', `/api/v1/app/${app.id}/msg/${message.id}`, undefined, 200);
      await door.call('GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`, undefined, 200);
      await door.call('GET', '/api/v1/app/none', undefined, 404);
      await door.call('POST', '/api/v1/app', { uid: 'x' }, 422);
    },
  };

  it.each(DOORS)('%s: answers as its document says, in success and in error', async (door) => {
    const tenant = await createTenant(server);
    expect(flows[door], `a flow for ${door}`).toBeDefined();
    await flows[door]!(doorClient(server, tenant, door, documents.get(door)));
  });

  it('keeps the doors out of the native document', async () => {
    const native = await call(server, 'GET', '/openapi.json');
    expect(Object.keys(native.body.paths).filter((path) => path.startsWith('/compat/'))).toEqual([]);
  });
});

// Deliveries are never awaited here; a loopback URL is enough for the target policy in tests.
const TARGET = 'http://127.0.0.1:9/hook';

interface Door {
  /** Calls the door's route as its clients would, expects the status, and checks the body against the document; answers the body. */
  call(method: string, route: string, body: unknown, status: number): Promise<any>;
}

function doorClient(server: TestServer, tenant: TestTenant, door: string, document: any): Door {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addKeyword('example');
  ajv.addSchema(document, door);
  return {
    async call(method, route, body, status) {
      const answer = await platformFetch(server, `/compat/${door}`, route, { method, token: tenant.key, body });
      const where = `${method} ${route}`;
      expect(answer.status, `${where}: ${answer.text}`).toBe(status);
      const path = operationPath(document, method, route.split('?')[0]!);
      const responses = document.paths[path][method.toLowerCase()].responses;
      const key = String(status) in responses ? String(status) : `${String(status)[0]}XX`;
      expect(responses[key], `${where}: status ${status} documented`).toBeDefined();
      const content = responses[key].content;
      if (content === undefined) {
        expect(answer.text, `${where}: documented without a body`).toBe('');
        return undefined;
      }
      const [mediaType] = Object.keys(content);
      expect(answer.contentType?.split(';')[0], where).toBe(mediaType);
      const pointer = ['paths', path, method.toLowerCase(), 'responses', key, 'content', mediaType!, 'schema'].map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
      const validate = ajv.getSchema(`${door}#/${pointer}`)!;
      expect(validate(answer.body), `${where}: ${JSON.stringify(validate.errors)} in ${answer.text}`).toBe(true);
      return answer.body;
    },
  };
}

/** The document's path template that a concrete path matches (a literal segment wins over a parameter). */
function operationPath(document: any, method: string, route: string): string {
  const matches = Object.keys(document.paths).filter(
    (path) => document.paths[path][method.toLowerCase()] && new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(route),
  );
  matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  expect(matches[0], `${method} ${route} in the document`).toBeDefined();
  return matches[0]!;
}

/**
 * The structural rules of OpenAPI 3.1 that matter to its readers: required fields, every `$ref`
 * resolving inside the document, path templates matching the path parameters, operation ids
 * unique, security requirements naming declared schemes, and every schema compiling as JSON
 * Schema 2020-12 (OpenAPI 3.1's dialect).
 */
export function problemsOf(document: any): string[] {
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(document.openapi ?? '')) problems.push('openapi is not 3.1.x');
  if (typeof document.info?.title !== 'string' || typeof document.info?.version !== 'string') problems.push('info needs title and version');
  if (typeof document.paths !== 'object') problems.push('paths missing');

  const schemes = document.components?.securitySchemes ?? {};
  for (const [name, scheme] of Object.entries<any>(schemes)) {
    if (!['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'].includes(scheme.type)) problems.push(`scheme ${name}: bad type`);
    if (scheme.type === 'http' && typeof scheme.scheme !== 'string') problems.push(`scheme ${name}: http needs scheme`);
    if (scheme.type === 'oauth2' && typeof scheme.flows !== 'object') problems.push(`scheme ${name}: oauth2 needs flows`);
  }
  const checkSecurity = (security: unknown, where: string) => {
    if (security === undefined) return;
    if (!Array.isArray(security)) return problems.push(`${where}: security is not a list`);
    for (const requirement of security) for (const name of Object.keys(requirement)) if (!(name in schemes)) problems.push(`${where}: unknown scheme ${name}`);
  };
  checkSecurity(document.security, 'document');

  const resolve = (ref: string): unknown =>
    ref.startsWith('#/')
      ? ref
          .slice(2)
          .split('/')
          .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce<any>((node, segment) => node?.[segment], document)
      : undefined;
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${where}/${i}`));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && resolve(value) === undefined) problems.push(`${where}: $ref ${value} does not resolve`);
      walk(value, `${where}/${key}`);
    }
  };
  walk(document, '#');

  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addKeyword('example');
  const components = document.components?.schemas ?? {};
  const compile = (schema: unknown, where: string) => {
    try {
      // Refs into components are made local to a wrapper that carries them.
      ajv.compile({ ...(schema as object), $defs: undefined, components: { schemas: components } } as object);
    } catch (error) {
      problems.push(`${where}: schema does not compile: ${(error as Error).message}`);
    }
  };
  for (const [name, schema] of Object.entries(components)) compile(schema, `components/schemas/${name}`);

  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries<Record<string, any>>(document.paths ?? {})) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries<any>(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) {
        problems.push(`${where}: not an HTTP method`);
        continue;
      }
      if (typeof operation.responses !== 'object' || Object.keys(operation.responses).length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
        if (typeof response.description !== 'string') problems.push(`${where} ${status}: no description`);
        for (const [type, media] of Object.entries<any>(response.content ?? {})) compile(media.schema ?? {}, `${where} ${status} ${type}`);
      }
      for (const [type, media] of Object.entries<any>(operation.requestBody?.content ?? {})) compile(media.schema ?? {}, `${where} body ${type}`);
      const parameters: any[] = operation.parameters ?? [];
      for (const parameter of parameters) {
        if (!['path', 'query', 'header', 'cookie'].includes(parameter.in) || typeof parameter.name !== 'string') problems.push(`${where}: bad parameter`);
        if (parameter.in === 'path' && parameter.required !== true) problems.push(`${where}: path parameter ${parameter.name} not required`);
        if (parameter.schema) compile(parameter.schema, `${where} parameter ${parameter.name}`);
      }
      const declared = parameters.filter((p) => p.in === 'path').map((p) => p.name);
      if ([...declared].sort().join() !== [...templated].sort().join()) problems.push(`${where}: path parameters ${declared} do not match the template`);
      if (operation.operationId !== undefined) {
        if (operationIds.has(operation.operationId)) problems.push(`${where}: duplicate operationId`);
        operationIds.add(operation.operationId);
      }
      checkSecurity(operation.security, where);
    }
  }
  return problems;
}
