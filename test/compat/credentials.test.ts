import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/service/api-keys.js';
import { createTenant as createTenantRecord } from '../../src/service/tenants.js';
import { startServer, type TestServer, type TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { platformFetch, type FetchAnswer } from './shared-harness.js';

// One credential path: Bearer (API key, admin token with Hookpost-Tenant, OAuth access token) and
// Fourthwall's Basic are all decoded before the per-credential rate limit and the scope check, and
// a 429 from any door carries Retry-After in that platform's own error shape.

const LIMIT = 3;
const SCOPE_URI = 'https://purl.imsglobal.org/spec/caliper/v1p1/scope/';

describeEachStore('credentials and rate limits in the doors', (store) => {
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: String(LIMIT), HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0' },
    });
    const created = await createTenantRecord(server.runtime.service, { id: `t_${Date.now().toString(36)}`, name: 'Limited' });
    tenant = { id: created.id, key: '' };
  });
  afterAll(() => server.close());

  /** A fresh tenant key (so each case has a full bucket), with its id; made by the service, so no API budget is spent on it. */
  async function freshKey(scopes?: string[]): Promise<{ id: string; key: string }> {
    const created = await createApiKey(server.runtime.service, { tenantId: tenant.id, scopes });
    return { id: created.key.id, key: created.token };
  }

  /** Sends the same request LIMIT + 1 times; the first LIMIT pass, the last is limited. */
  async function exhaust(send: () => Promise<FetchAnswer>, ok: number): Promise<{ last: FetchAnswer; retryAfter: string | null }> {
    for (let i = 0; i < LIMIT; i++) expect((await send()).status, `request ${i + 1}`).toBe(ok);
    const response = await send();
    return { last: response, retryAfter: lastHeaders?.get('retry-after') ?? null };
  }

  // platformFetch does not keep headers; this fetch keeps the last answer's (for Retry-After).
  let lastHeaders: Headers | null = null;
  const withHeaders = async (path: string, init: RequestInit): Promise<FetchAnswer> => {
    const response = await fetch(`${server.url}${path}`, init);
    lastHeaders = response.headers;
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, contentType: response.headers.get('content-type'), text, body };
  };

  it('counts a Fourthwall key sent with Basic, and answers 429 with Retry-After in Fourthwall\'s shape', async () => {
    const { id, key } = await freshKey();
    const basic = `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}`;
    const { last, retryAfter } = await exhaust(() => withHeaders('/compat/fourthwall/open-api/v1.0/webhooks', { headers: { authorization: basic } }), 200);
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The same key as a bearer token shares the bucket: it is one credential.
    const bearer = await withHeaders('/compat/fourthwall/open-api/v1.0/webhooks', { headers: { authorization: `Bearer ${key}` } });
    expect(bearer.status).toBe(429);
  });

  it.each([
    ['Kajabi', '/compat/kajabi/v1/hooks', (body: any) => body.errors?.[0]?.status === '429'],
    ['Thinkific', '/compat/thinkific/api/v2/webhooks', (body: any) => typeof body.error === 'string'],
    ['SchoolMaker', '/compat/schoolmaker/api/v1/webhooks', (body: any) => typeof body.error === 'string'],
    ['Timeback', '/compat/timeback/webhooks/', (body: any) => body.status === 'error' && typeof body.message === 'string'],
  ])('answers a limited %s key with 429, Retry-After and the platform\'s error shape', async (_platform, path, inShape) => {
    const { key } = await freshKey();
    const { last, retryAfter } = await exhaust(() => withHeaders(path, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } }), 200);
    expect(last.status).toBe(429);
    expect(inShape(last.body), last.text).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('limits an OAuth access token from a door\'s token endpoint as its own credential', async () => {
    const { id, key } = await freshKey(['webhook.readonly']);
    const issued = await fetch(`${server.url}/compat/timeback/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: key, scope: `${SCOPE_URI}webhook.readonly` }).toString(),
    });
    expect(issued.status).toBe(200);
    const accessToken = ((await issued.json()) as { access_token: string }).access_token;
    const { last, retryAfter } = await exhaust(() => withHeaders('/compat/timeback/webhooks/', { headers: { authorization: `Bearer ${accessToken}` } }), 200);
    expect(last.status).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('limits the admin token acting for a tenant (Hookpost-Tenant) before checking anything else', async () => {
    const headers = { authorization: `Bearer ${server.adminToken}`, 'hookpost-tenant': tenant.id };
    const answers: FetchAnswer[] = [];
    for (let i = 0; i <= LIMIT + 2; i++) answers.push(await withHeaders('/compat/thinkific/api/v2/webhooks', { headers }));
    expect(answers.at(-1)!.status).toBe(429);
    expect(answers.at(-1)!.body).toEqual({ error: expect.stringContaining('Too many requests') });
    // Limited before the scope check: even a route the credential may not call answers 429, not 403.
    const scoped = await withHeaders('/compat/thinkific/api/v2/webhooks', { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(scoped.status).toBe(429);
    // Hookpost's platform-neutral helper sees the same.
    expect((await platformFetch(server, '/compat/schoolmaker/api/v1', '/webhooks', { token: server.adminToken, headers: { 'hookpost-tenant': tenant.id } })).status).toBe(429);
  });
});
