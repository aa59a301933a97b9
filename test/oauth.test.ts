import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('OAuth client credentials', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    tenant = await createTenant(server);
    client = await newClient(['subscriptions:read', 'subscriptions:write', 'events:read']);
  });
  afterAll(() => server.close());

  async function newClient(scopes: string[], tenantId = tenant.id) {
    const created = await call(server, 'POST', `/v1/tenants/${tenantId}/api-keys`, { token: server.adminToken, body: { scopes } });
    return { id: created.body.id as string, secret: created.body.key as string };
  }

  /** POSTs to /oauth/token as a form (the RFC's encoding) unless `json`. */
  async function token(params: Record<string, string>, options: { basic?: [string, string]; json?: boolean; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.basic) headers.authorization = `Basic ${Buffer.from(options.basic.map(encodeURIComponent).join(':')).toString('base64')}`;
    headers['content-type'] ??= options.json ? 'application/json' : 'application/x-www-form-urlencoded';
    const body = options.json ? JSON.stringify(params) : new URLSearchParams(params).toString();
    const response = await request(new URL('/oauth/token', server.url), { method: 'POST', headers, body });
    return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as any };
  }

  const grant = () => ({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });

  describe('POST /oauth/token', () => {
    it('issues a short-lived bearer token with all the client scopes from a form body', async () => {
      const response = await token(grant());
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'subscriptions:read subscriptions:write events:read' });
      expect(response.body.access_token).toMatch(/^hpt_/);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('accepts JSON bodies and HTTP Basic client authentication', async () => {
      expect((await token(grant(), { json: true })).status).toBe(200);
      const basic = await token({ grant_type: 'client_credentials' }, { basic: [client.id, client.secret] });
      expect(basic.status).toBe(200);
    });

    it('grants the requested subset of scopes, and the token can do only that', async () => {
      const issued = await token({ ...grant(), scope: 'subscriptions:read' });
      expect(issued.body.scope).toBe('subscriptions:read');
      const bearer = issued.body.access_token;
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions`, { token: bearer })).status).toBe(200);
      const write = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, {
        token: bearer,
        body: { url: 'http://127.0.0.1:9/', event_types: ['*'] },
      });
      expect(write.status).toBe(403);
      expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/events`, { token: bearer })).status).toBe(403);
    });

    it("binds the token to the client's tenant", async () => {
      const other = await createTenant(server);
      const bearer = (await token(grant())).body.access_token;
      const response = await call(server, 'GET', `/v1/tenants/${other.id}/subscriptions`, { token: bearer });
      expect(response.status).toBe(403);
    });

    it('refuses a scope the client does not hold with invalid_scope', async () => {
      for (const scope of ['deliveries:read', 'admin', 'subscriptions:read nonsense']) {
        const response = await token({ ...grant(), scope });
        expect(response.status, scope).toBe(400);
        expect(response.body.error).toBe('invalid_scope');
        expect(typeof response.body.error_description).toBe('string');
      }
    });

    it('refuses a wrong secret, an unknown client, a secret of another key and a missing secret with invalid_client 401', async () => {
      const other = await newClient(['subscriptions:read']);
      const cases: Record<string, string>[] = [
        { ...grant(), client_secret: `${client.secret}x` },
        { ...grant(), client_id: 'key_unknown' },
        { ...grant(), client_secret: other.secret },
        { grant_type: 'client_credentials', client_id: client.id },
        { grant_type: 'client_credentials' },
      ];
      for (const params of cases) {
        const response = await token(params);
        expect(response.status, JSON.stringify(params)).toBe(401);
        expect(response.body.error).toBe('invalid_client');
        expect(response.headers['www-authenticate']).toMatch(/^Basic/);
      }
      const badBasic = await token({ grant_type: 'client_credentials' }, { basic: [client.id, 'wrong'] });
      expect(badBasic.status).toBe(401);
    });

    it('answers unsupported_grant_type and invalid_request with 400', async () => {
      const password = await token({ ...grant(), grant_type: 'password' });
      expect([password.status, password.body.error]).toEqual([400, 'unsupported_grant_type']);
      const missing = await token({ client_id: client.id, client_secret: client.secret });
      expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
      const both = await token(grant(), { basic: [client.id, client.secret] });
      expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
      const repeated = await request(new URL('/oauth/token', server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}`,
      });
      expect([repeated.statusCode, ((await repeated.body.json()) as any).error]).toEqual([400, 'invalid_request']);
      const badJson = await token({}, { headers: { 'content-type': 'application/json' } });
      expect(badJson.status).toBe(400);
      const notJson = await request(new URL('/oauth/token', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
      expect([notJson.statusCode, ((await notJson.body.json()) as any).error]).toEqual([400, 'invalid_request']);
      const textPlain = await request(new URL('/oauth/token', server.url), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      expect([textPlain.statusCode, ((await textPlain.body.json()) as any).error]).toEqual([400, 'invalid_request']);
    });

    it('refuses the access tokens of a revoked client at once', async () => {
      const doomed = await newClient(['subscriptions:read']);
      const bearer = (await token({ grant_type: 'client_credentials', client_id: doomed.id, client_secret: doomed.secret })).body.access_token;
      const route = `/v1/tenants/${tenant.id}/subscriptions`;
      expect((await call(server, 'GET', route, { token: bearer })).status).toBe(200);
      expect((await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${doomed.id}`, { token: server.adminToken })).status).toBe(204);
      expect((await call(server, 'GET', route, { token: bearer })).status).toBe(401);
      const again = await token({ grant_type: 'client_credentials', client_id: doomed.id, client_secret: doomed.secret });
      expect(again.body.error).toBe('invalid_client');
    });

    it('refuses a tampered token: changed payload, changed signature, truncated', async () => {
      const bearer: string = (await token(grant())).body.access_token;
      const [body, mac] = bearer.split('.') as [string, string];
      const payload = JSON.parse(Buffer.from(body.slice(4), 'base64url').toString());
      const widened = 'hpt_' + Buffer.from(JSON.stringify({ ...payload, scp: ['deliveries:read'] })).toString('base64url');
      const route = `/v1/tenants/${tenant.id}/subscriptions`;
      for (const forged of [`${widened}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, body, `${body}.`, 'hpt_.x']) {
        expect((await call(server, 'GET', route, { token: forged })).status, forged.slice(0, 30)).toBe(401);
      }
    });

    it('is excluded from the bearer requirement in the OpenAPI document', async () => {
      const doc = await call(server, 'GET', '/openapi.json');
      expect(doc.body.paths['/oauth/token'].post.security).toEqual([]);
    });
  });

  describe('access token lifetime', () => {
    it('refuses a token once it expired', async () => {
      const shortLived = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_ACCESS_TOKEN_TTL: '1s' } });
      try {
        const t = await createTenant(shortLived);
        const key = await call(shortLived, 'POST', `/v1/tenants/${t.id}/api-keys`, { token: shortLived.adminToken, body: { scopes: ['subscriptions:read'] } });
        const response = await request(new URL('/oauth/token', shortLived.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: key.body.id, client_secret: key.body.key }),
        });
        const issued = (await response.body.json()) as any;
        expect(issued.expires_in).toBe(1);
        const route = `/v1/tenants/${t.id}/subscriptions`;
        expect((await call(shortLived, 'GET', route, { token: issued.access_token })).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect((await call(shortLived, 'GET', route, { token: issued.access_token })).status).toBe(401);
      } finally {
        await shortLived.close();
      }
    });
  });
});
