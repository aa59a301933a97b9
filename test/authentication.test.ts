import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, label, listOperations } from './support/openapi.js';
import { call, createTenant, defineEventType, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Every route of the OpenAPI document that does not declare `security: []` must answer 401 to
// a request without a valid credential, whatever else the request gets right.

describeEachStore('authentication', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let subscriptionId: string;
  let invalidCredentials: Array<[string, string | undefined]>;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '0', HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0' } });
    tenant = await createTenant(server);
    await defineEventType(server, 'auth.test');
    subscriptionId = (await subscribe(server, tenant, { url: 'http://127.0.0.1:9/', event_types: ['auth.test'] })).id;

    const revoked = await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: {} });
    const token = await call(server, 'POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: revoked.body.id, client_secret: revoked.body.key },
    });
    await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${revoked.body.id}`, { token: server.adminToken });
    const [body] = (token.body.access_token as string).split('.');
    invalidCredentials = [
      ['no Authorization header', undefined],
      ['an empty bearer', 'Bearer '],
      ['a made-up key', 'Bearer hpk_0000000000000000000000000000000000000000000'],
      ['a revoked key', `Bearer ${revoked.body.key}`],
      ["a revoked client's access token", `Bearer ${token.body.access_token}`],
      ['an access token with a forged signature', `Bearer ${body}.${'A'.repeat(43)}`],
      ['the admin token under another scheme', `Token ${server.adminToken}`],
      ['the admin token as Basic', `Basic ${Buffer.from(`admin:${server.adminToken}`).toString('base64')}`],
      ['the admin token with a character changed', `Bearer ${server.adminToken.slice(0, -1)}${server.adminToken.endsWith('a') ? 'b' : 'a'}`],
    ];
  });
  afterAll(() => server.close());

  describe('authentication on every route of the OpenAPI document', () => {
    it('answers 401 without a valid credential', async () => {
      const operations = await listOperations(server);
      const guarded = operations.filter((op) => !op.public);
      expect(guarded.length).toBeGreaterThan(20);
      const problems: string[] = [];
      for (const op of guarded) {
        const path = fillPath(op.path, (_name, resource) => (resource === 'tenants' ? tenant.id : resource === 'event-types' ? 'auth.test' : subscriptionId));
        for (const [what, authorization] of invalidCredentials) {
          const hasBody = op.bodyTypes.length > 0;
          const response = await request(new URL(path, server.url), {
            method: op.method,
            headers: { ...(authorization ? { authorization } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
            body: hasBody ? JSON.stringify(op.exampleBody ?? {}) : undefined,
          });
          const text = await response.body.text();
          if (response.statusCode !== 401) problems.push(`${label(op)} with ${what} → ${response.statusCode} ${text.slice(0, 120)}`);
          else if (op.path.startsWith('/v1/')) {
            const parsed = JSON.parse(text);
            if (parsed.error?.code !== 'unauthorized') problems.push(`${label(op)} with ${what}: body ${text.slice(0, 120)}`);
            if (!String(response.headers['www-authenticate']).startsWith('Bearer')) problems.push(`${label(op)} with ${what}: no WWW-Authenticate`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('leaves only the token endpoint open, and the native routes all guarded', async () => {
      const operations = await listOperations(server);
      const open = operations.filter((op) => op.public).map(label);
      expect(open).toContain('POST /oauth/token');
      expect(open.filter((name) => name.includes(' /v1/'))).toEqual([]);
    });

    it('still answers health checks without a credential', async () => {
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
      expect((await call(server, 'GET', '/openapi.json')).status).toBe(200);
    });
  });
});
