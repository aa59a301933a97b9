import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_DOORS } from '../../src/api/compat/index.js';
import { routeTable } from '../../src/api/route-table.js';
import { call, startServer, type TestServer } from '../support/server.js';

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

  it.each(DOORS)('%s: describes a request body and a success and error response for each operation', (door) => {
    const document = documents.get(door);
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        expect(statuses.some((status) => /^2/.test(status)), where).toBe(true);
        expect(operation.responses['4XX']?.content?.['application/json']?.schema, where).toBeDefined();
        for (const status of statuses.filter((s) => /^2/.test(s) && s !== '204')) {
          expect(Object.values<any>(operation.responses[status].content ?? {})[0]?.schema, `${where} ${status}`).toBeDefined();
        }
        if (['post', 'put', 'patch'].includes(method) && !/\/(health|version)$/.test(path)) {
          expect(Object.values<any>(operation.requestBody?.content ?? {})[0]?.schema, `${where} body`).toBeDefined();
        }
      }
    }
  });

  it('keeps the doors out of the native document', async () => {
    const native = await call(server, 'GET', '/openapi.json');
    expect(Object.keys(native.body.paths).filter((path) => path.startsWith('/compat/'))).toEqual([]);
  });
});

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
