import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_DOORS } from '../../src/api/compat/index.js';
import { PLATFORM_NAMES } from '../../src/core/event-namespaces.js';
import { call, createTenant, startServer, type TestServer, type TestTenant } from '../support/server.js';
import { platformFetch, publishEvent } from './shared-harness.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('compat plumbing', (store) => {
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    tenant = await createTenant(server);
  });
  afterAll(() => server.close());

  it('serves every door\'s event types in its own namespace, with its JSON Schema and a sample that publishes', async () => {
    for (const [name, platform] of Object.entries(PLATFORM_DOORS)) {
      expect(PLATFORM_NAMES).toContain(name);
      expect(platform.name).toBe(name);
      for (const entry of platform.catalog) {
        const qualified = `${name}:${entry.name}`;
        const served = await call(server, 'GET', `/v1/event-types/${encodeURIComponent(qualified)}`, { token: server.adminToken });
        expect(served.status, qualified).toBe(200);
        expect(served.body).toMatchObject({ name: qualified, schema: entry.schema, example: entry.example });
        await publishEvent(server, tenant, { type: qualified, data: entry.example });
      }
    }
    const native = await call(server, 'GET', '/v1/event-types?limit=250', { token: server.adminToken });
    expect(native.body.data.filter((type: any) => type.name.includes(':'))).toEqual([]);
  });

  it('lets the admin token act for the tenant named in Hookpost-Tenant, and refuses it without one', async () => {
    const withTenant = await platformFetch(server, '/compat/thinkific/api/v2', '/webhooks', {
      token: server.adminToken,
      headers: { 'hookpost-tenant': tenant.id },
    });
    expect(withTenant.status).toBe(200);
    const without = await platformFetch(server, '/compat/thinkific/api/v2', '/webhooks', { token: server.adminToken });
    expect(without.status).toBe(403);
    expect(typeof without.body.error).toBe('string');
    const unknownTenant = await platformFetch(server, '/compat/schoolmaker/api/v1', '/webhooks', {
      token: server.adminToken,
      headers: { 'hookpost-tenant': 'ten_nobody' },
    });
    expect(unknownTenant.status).toBe(404);
  });

  it('answers unknown routes and refused scopes in each platform\'s own error shape', async () => {
    const kajabi = await platformFetch(server, '/compat/kajabi', '/v1/nothing', { token: tenant.key });
    expect(kajabi.status).toBe(404);
    expect(kajabi.body.errors[0]).toMatchObject({ status: '404', title: 'Not Found' });
    const thinkific = await platformFetch(server, '/compat/thinkific/api/v2', '/nothing', { token: tenant.key });
    expect(thinkific.body).toEqual({ error: 'Record not found.' });
    const readOnly = (await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: { scopes: ['subscriptions:read'] } })).body.key;
    const refused = await platformFetch(server, '/compat/schoolmaker/api/v1', '/webhooks', {
      method: 'POST',
      token: readOnly,
      body: { webhook_url: 'https://example.com/hook', event_type: 'new_payment' },
    });
    expect(refused.status).toBe(403);
    expect(typeof refused.body.error).toBe('string');
  });

  it('answers odd bodies with a 4xx in the platform\'s shape, never a 5xx', async () => {
    const routes: [string, string, string, string, (body: any) => boolean][] = [
      ['/compat/schoolmaker/api/v1', '/webhooks', 'POST', 'application/json', (body) => 'error' in body],
      ['/compat/kajabi', '/v1/hooks', 'POST', 'application/vnd.api+json', (body) => Array.isArray(body.errors)],
      ['/compat/thinkific/api/v2', '/webhooks', 'POST', 'application/json', (body) => 'errors' in body || 'error' in body],
      ['/compat/thinkific/api/v2', '/webhooks/sub_x', 'PUT', 'application/json', (body) => 'errors' in body || 'error' in body],
    ];
    const bodies = ['null', '[]', '"text"', '123', '{}', '{"data":null}', '{"data":{"attributes":[]}}', '{"__proto__":{"x":1}}', '{', '\u0000', '[[[[[[]]]]]]'];
    for (const [base, route, method, contentType, inShape] of routes) {
      for (const body of bodies) {
        const answer = await platformFetch(server, base, route, { method, token: tenant.key, body, contentType });
        expect(answer.status, `${method} ${base}${route} ${body}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${method} ${base}${route} ${body}`).toBeLessThan(500);
        expect(inShape(answer.body), `${method} ${base}${route} ${body}: ${answer.text}`).toBe(true);
      }
      const wrongType = await platformFetch(server, base, route, { method, token: tenant.key, body: '<a/>', contentType: 'application/xml' });
      expect(wrongType.status).toBe(415);
      expect(inShape(wrongType.body)).toBe(true);
    }
  });

  it('keeps each platform\'s webhooks to itself while the native API sees them all', async () => {
    const own = await createTenant(server);
    await platformFetch(server, '/compat/thinkific/api/v2', '/webhooks', { method: 'POST', token: own.key, body: { topic: 'user.signup', target_url: 'https://example.com/t' } });
    const schoolmaker = await platformFetch(server, '/compat/schoolmaker/api/v1', '/webhooks', { token: own.key });
    expect(schoolmaker.body).toEqual([]);
    const native = await call(server, 'GET', `/v1/tenants/${own.id}/subscriptions`, { token: own.key });
    expect(native.body.data.map((s: any) => s.event_types)).toEqual([['thinkific:user.signup']]);
  });
});
