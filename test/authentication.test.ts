import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, label, listAllOperations } from './support/openapi.js';
import { call, createTenant, defineEventType, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('authentication', (store) => {

  // Every route the app serves (the OpenAPI document and the real route table, so every compat
  // route too) that does not declare `security: []` must answer 401 to a request without a valid
  // credential, whatever else the request gets right, in the shape of the door it belongs to.

  /** Each door's 401 body, as its error mapping promises it. */
  const UNAUTHORIZED_BODY: Record<string, (body: any) => boolean> = {
    native: (body) => body?.error?.code === 'unauthorized',
    schoolmaker: (body) => typeof body?.error === 'string',
    thinkific: (body) => typeof body?.error === 'string',
    timeback: (body) => body?.error === 'Unauthorized',
    kajabi: (body) => body?.errors?.[0]?.status === '401' && body.errors[0].title === 'Unauthorized',
    fourthwall: (body) => body?.code === 'UNAUTHORIZED',
    svix: (body) => body?.code === 'authentication_failed' && typeof body?.detail === 'string',
  };

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
      ['a revoked key as Basic (Fourthwall)', `Basic ${Buffer.from(`${revoked.body.id}:${revoked.body.key}`).toString('base64')}`],
      ['a key id with a made-up token as Basic', `Basic ${Buffer.from(`${revoked.body.id}:hpk_000000000000000000000000000000`).toString('base64')}`],
    ];
  });
  afterAll(() => server.close());

  describe('authentication on every route of the OpenAPI document and of every platform API', () => {
    it('answers 401 without a valid credential', async () => {
      const operations = await listAllOperations(server);
      const guarded = operations.filter((op) => !op.public);
      expect(guarded.filter((op) => op.door === undefined).length).toBeGreaterThan(20);
      expect(guarded.filter((op) => op.door !== undefined).length).toBeGreaterThan(35);
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
          else {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            if (!UNAUTHORIZED_BODY[op.door ?? 'native']!(parsed)) problems.push(`${label(op)} with ${what}: body ${text.slice(0, 120)}`);
            if (op.path.startsWith('/v1/') && !String(response.headers['www-authenticate']).startsWith('Bearer')) problems.push(`${label(op)} with ${what}: no WWW-Authenticate`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('leaves only the token endpoints, Kajabi\'s version and Svix\'s health open', async () => {
      const operations = await listAllOperations(server);
      const open = operations.filter((op) => op.public).map(label);
      expect(open.sort()).toEqual(['GET /compat/kajabi/v1/version', 'GET /compat/svix/api/v1/health', 'POST /compat/kajabi/v1/oauth/token', 'POST /compat/timeback/oauth2/token', 'POST /oauth/token']);
    });

    it('still answers health checks without a credential', async () => {
      expect((await call(server, 'GET', '/healthz')).status).toBe(200);
      expect((await call(server, 'GET', '/openapi.json')).status).toBe(200);
      expect((await call(server, 'GET', '/compat/kajabi/openapi.json')).status).toBe(200);
    });
  });
});
