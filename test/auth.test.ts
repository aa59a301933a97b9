import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

describe('authentication and tenant isolation', () => {
  let server: TestServer;
  let alice: TestTenant;
  let bob: TestTenant;
  let aliceSubscription: any;
  let aliceEventId: string;
  let aliceDeliveryId: string;

  beforeAll(async () => {
    server = await startServer({ env: { HOOKPOST_RETRY_SCHEDULE: '0' } });
    alice = await createTenant(server, 'alice');
    bob = await createTenant(server, 'bob');
    await defineEventType(server, 'invoice.paid');
    aliceSubscription = await subscribe(server, alice, { url: 'http://127.0.0.1:9/unreachable', event_types: ['invoice.paid'] });
    aliceEventId = (await publish(server, alice, { type: 'invoice.paid', data: { secret_amount: 4242 } })).body.id;
    const deliveries = await call(server, 'GET', `/v1/tenants/alice/deliveries`, { token: alice.key });
    aliceDeliveryId = deliveries.body.data[0].id;
  });
  afterAll(() => server.close());

  /** Every operation of the OpenAPI document, with path parameters filled from alice's real objects. */
  async function operations(): Promise<{ method: Method; path: string }[]> {
    const document = await call(server, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    const values: Record<string, string> = { tenant: 'alice', name: 'invoice.paid' };
    const ops: { method: Method; path: string }[] = [];
    for (const [template, item] of Object.entries<any>(document.body.paths)) {
      for (const method of Object.keys(item)) {
        const path = template.replace(/\{(\w+)\}/g, (_, param: string) => {
          if (param !== 'id') return values[param] ?? 'x';
          if (template.includes('/subscriptions/')) return aliceSubscription.id;
          if (template.includes('/events/')) return aliceEventId;
          if (template.includes('/deliveries/')) return aliceDeliveryId;
          return 'x';
        });
        ops.push({ method: method.toUpperCase() as Method, path });
      }
    }
    expect(ops.length).toBeGreaterThan(15);
    return ops;
  }

  it('answers 401 on every API route without a token or with a wrong one', async () => {
    for (const { method, path } of await operations()) {
      for (const token of [null, 'hpk_not-a-real-key', server.adminToken + 'x']) {
        const response = await call(server, method, path, { token, body: ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined });
        expect(response.status, `${method} ${path} with ${token ? 'a wrong token' : 'no token'}`).toBe(401);
        expect(response.body.error.code).toBe('unauthorized');
      }
    }
  });

  it("lets a tenant key neither read nor change another tenant's objects", async () => {
    for (const { method, path } of await operations()) {
      if (!path.includes('/tenants/alice') && !['POST'].includes(method)) continue;
      const response = await call(server, method, path, {
        token: bob.key,
        body: ['POST', 'PATCH', 'PUT'].includes(method) ? { name: 'hijack', url: 'https://example.com', event_types: ['invoice.paid'], type: 'invoice.paid', data: {} } : undefined,
      });
      if (path.includes('/tenants/alice') || path === '/v1/tenants' || path === '/v1/event-types') {
        expect([403, 404], `${method} ${path}`).toContain(response.status);
        expect(JSON.stringify(response.body)).not.toContain('4242');
        expect(JSON.stringify(response.body)).not.toContain(aliceSubscription.secret);
      }
    }
    // Bob's own paths do not reach alice's objects either.
    for (const path of [`/v1/tenants/bob/subscriptions/${aliceSubscription.id}`, `/v1/tenants/bob/events/${aliceEventId}`, `/v1/tenants/bob/deliveries/${aliceDeliveryId}`]) {
      const response = await call(server, 'GET', path, { token: bob.key });
      expect(response.status, path).toBe(404);
    }
    const bobsList = await call(server, 'GET', '/v1/tenants/bob/subscriptions', { token: bob.key });
    expect(bobsList.body.data).toEqual([]);
    const stillThere = await call(server, 'GET', `/v1/tenants/alice/subscriptions/${aliceSubscription.id}`, { token: alice.key });
    expect(stillThere.body).toMatchObject({ id: aliceSubscription.id, url: aliceSubscription.url, name: null });
  });

  it('keeps admin-only operations from tenant keys', async () => {
    expect((await call(server, 'POST', '/v1/tenants', { token: alice.key, body: { name: 'x' } })).status).toBe(403);
    expect((await call(server, 'POST', '/v1/event-types', { token: alice.key, body: { name: 'x.y' } })).status).toBe(403);
    expect((await call(server, 'POST', '/v1/tenants/alice/api-keys', { token: alice.key, body: {} })).status).toBe(403);
  });

  it('honours the scopes of a key', async () => {
    const readOnly = await call(server, 'POST', '/v1/tenants/alice/api-keys', { token: server.adminToken, body: { scopes: ['subscriptions:read'] } });
    expect(readOnly.status).toBe(201);
    expect((await call(server, 'GET', '/v1/tenants/alice/subscriptions', { token: readOnly.body.key })).status).toBe(200);
    const denied = await call(server, 'POST', '/v1/tenants/alice/events', { token: readOnly.body.key, body: { type: 'invoice.paid', data: {} } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
  });
});
