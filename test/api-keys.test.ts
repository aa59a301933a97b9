import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, type TestServer, type TestTenant } from './support/server.js';
import { startServer } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('API keys', (store) => {
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    tenant = await createTenant(server);
  });
  afterAll(() => server.close());

  const admin = () => ({ token: server.adminToken });

  async function mintKey(body: Record<string, unknown> = {}, tenantId = tenant.id, token = server.adminToken) {
    const created = await call(server, 'POST', `/v1/tenants/${tenantId}/api-keys`, { token, body });
    return created;
  }

  describe('tenant API keys', () => {
    it('creates a 256-bit hpk_ token shown once, and lists keys without any token', async () => {
      const created = await mintKey({ name: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^hpk_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({ name: 'ci', tenant_id: tenant.id, last_used_at: null, revoked_at: null });

      const list = await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys`, admin());
      expect(list.status).toBe(200);
      const ids = list.body.data.map((k: { id: string }) => k.id);
      expect(ids).toContain(created.body.id);
      expect(JSON.stringify(list.body)).not.toContain(created.body.key);
      expect(JSON.stringify(list.body)).not.toMatch(/hpk_/);
      for (const key of list.body.data) expect(Object.keys(key).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'revoked_at', 'scopes', 'tenant_id']);
    });

    it('shows when a key was last used', async () => {
      const created = await mintKey();
      const before = Date.now();
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: created.body.key })).status).toBe(200);
      const list = await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys?limit=250`, admin());
      const shown = list.body.data.find((k: { id: string }) => k.id === created.body.id);
      expect(Date.parse(shown.last_used_at)).toBeGreaterThanOrEqual(before - 5);
    });

    it('refuses a revoked key on the very next request', async () => {
      const created = await mintKey();
      const route = `/v1/tenants/${tenant.id}/subscriptions`;
      expect((await call(server, 'GET', route, { token: created.body.key })).status).toBe(200);
      const revoked = await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${created.body.id}`, admin());
      expect(revoked.status).toBe(204);
      const after = await call(server, 'GET', route, { token: created.body.key });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('unauthorized');
      const list = await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys?limit=250`, admin());
      expect(list.body.data.find((k: { id: string }) => k.id === created.body.id).revoked_at).not.toBeNull();
    });

    it("answers 404 when revoking another tenant's key or an unknown one", async () => {
      const other = await createTenant(server);
      const otherKeys = await call(server, 'GET', `/v1/tenants/${other.id}/api-keys`, admin());
      const otherKeyId = otherKeys.body.data[0].id;
      const holder = await mintKey({ scopes: ['api-keys:write', 'api-keys:read'] });
      expect((await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${otherKeyId}`, { token: holder.body.key })).status).toBe(404);
      expect((await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${otherKeyId}`, admin())).status).toBe(404);
      expect((await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/key_nope`, admin())).status).toBe(404);
      expect((await call(server, 'GET', '/v1/tenants/' + other.id + '/subscriptions', { token: other.key })).status).toBe(200);
    });

    it('lets a tenant key with api-keys:write manage its own keys but grant only scopes it holds', async () => {
      const manager = await mintKey({ scopes: ['api-keys:write', 'api-keys:read', 'subscriptions:read'] });
      const weaker = await mintKey({ scopes: ['subscriptions:read'] }, tenant.id, manager.body.key);
      expect(weaker.status).toBe(201);
      const stronger = await mintKey({ scopes: ['subscriptions:write'] }, tenant.id, manager.body.key);
      expect(stronger.status).toBe(403);
      const defaults = await mintKey({}, tenant.id, manager.body.key);
      expect(defaults.status).toBe(403);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys`, { token: manager.body.key })).status).toBe(200);
    });

    it('refuses key management to a tenant key without the api-keys scopes', async () => {
      expect((await mintKey({}, tenant.id, tenant.key)).status).toBe(403);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/api-keys`, { token: tenant.key })).status).toBe(403);
    });

    it('refuses instance scopes and unknown scopes on a tenant key with 422', async () => {
      for (const scope of ['admin', 'tenants:write', 'event-types:write', 'audit-log:read', 'nonsense']) {
        const response = await mintKey({ scopes: [scope] });
        expect(response.status, scope).toBe(422);
        expect(response.body.error.details[0].pointer).toBe('/scopes/0');
      }
    });
  });

  describe('admin keys', () => {
    it('are created by the admin, bound to no tenant, and reach every tenant', async () => {
      const created = await call(server, 'POST', '/v1/api-keys', { ...admin(), body: { name: 'ops' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ tenant_id: null, scopes: ['admin'] });
      expect((await call(server, 'GET', '/v1/tenants', { token: created.body.key })).status).toBe(200);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: created.body.key })).status).toBe(200);
      const list = await call(server, 'GET', '/v1/api-keys', admin());
      expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
      expect(list.body.data.every((k: { tenant_id: null }) => k.tenant_id === null)).toBe(true);
    });

    it('may be narrowed: a read-only admin key reads every tenant and changes nothing', async () => {
      const reader = await call(server, 'POST', '/v1/api-keys', { ...admin(), body: { scopes: ['tenants:read', 'subscriptions:read'] } });
      expect((await call(server, 'GET', '/v1/tenants', { token: reader.body.key })).status).toBe(200);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: reader.body.key })).status).toBe(200);
      expect((await call(server, 'POST', '/v1/tenants', { token: reader.body.key, body: { name: 'x' } })).status).toBe(403);
      expect((await call(server, 'POST', '/v1/api-keys', { token: reader.body.key, body: {} })).status).toBe(403);
    });

    it('cannot be created, listed or revoked with a tenant key', async () => {
      expect((await call(server, 'POST', '/v1/api-keys', { token: tenant.key, body: {} })).status).toBe(403);
      expect((await call(server, 'GET', '/v1/api-keys', { token: tenant.key })).status).toBe(403);
      expect((await call(server, 'DELETE', '/v1/api-keys/key_x', { token: tenant.key })).status).toBe(403);
    });

    it('can revoke any key, and the revoked admin key is refused at once', async () => {
      const created = await call(server, 'POST', '/v1/api-keys', { ...admin(), body: {} });
      expect((await call(server, 'DELETE', `/v1/api-keys/${created.body.id}`, admin())).status).toBe(204);
      expect((await call(server, 'GET', '/v1/tenants', { token: created.body.key })).status).toBe(401);
      const tenantKey = await mintKey();
      expect((await call(server, 'DELETE', `/v1/api-keys/${tenantKey.body.id}`, admin())).status).toBe(204);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}`, { token: tenantKey.body.key })).status).toBe(401);
    });
  });

  describe('scopes on the native routes', () => {
    it('lets a key do exactly what its scopes say', async () => {
      const reader = await mintKey({ scopes: ['subscriptions:read'] });
      const token = reader.body.key;
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token })).status).toBe(200);
      const refused: Array<[Parameters<typeof call>[1], string, unknown?]> = [
        ['POST', `/v1/tenants/${tenant.id}/subscriptions`, { url: 'http://127.0.0.1:9/', event_types: ['*'] }],
        ['GET', `/v1/tenants/${tenant.id}/events`],
        ['POST', `/v1/tenants/${tenant.id}/events`, { type: 'x', data: {} }],
        ['GET', `/v1/tenants/${tenant.id}/deliveries`],
        ['GET', `/v1/tenants/${tenant.id}`],
        ['GET', '/v1/event-types'],
        ['GET', '/v1/tenants'],
        ['GET', '/v1/audit-log'],
      ];
      for (const [method, route, body] of refused) {
        const response = await call(server, method, route, { token, body });
        expect(response.status, `${method} ${route}`).toBe(403);
        expect(response.body.error.code).toBe('forbidden');
      }
    });

    it('gives default tenant keys the tenant scopes but no key management', async () => {
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}`, { token: tenant.key })).status).toBe(200);
      expect((await call(server, 'GET', '/v1/event-types', { token: tenant.key })).status).toBe(200);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/events`, { token: tenant.key })).status).toBe(200);
      expect((await call(server, 'GET', '/v1/tenants', { token: tenant.key })).status).toBe(403);
    });
  });
});
