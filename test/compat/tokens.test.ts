import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTenant, startServer, type TestServer, type TestTenant } from '../support/server.js';
import { platformFetch } from './shared-harness.js';

// The platforms' own token endpoints, on the shared OAuth service: a client written from the
// platform's docs gets a token with plain fetch and a form body, and the token then does
// exactly what its scopes allow on that platform's routes.

const SCOPE_URI = 'https://purl.imsglobal.org/spec/caliper/v1p1/scope/';

let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  server = await startServer();
  tenant = await createTenant(server);
});
afterAll(() => server.close());

async function client(scopes: string[]) {
  const created = await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: { scopes } });
  expect(created.status).toBe(201);
  return { id: created.body.id as string, secret: created.body.key as string };
}

/** POSTs a form to a token endpoint, as the platform documents it. */
async function token(path: string, params: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('Timeback: POST /compat/timeback/oauth2/token', () => {
  const TOKEN = '/compat/timeback/oauth2/token';
  const BASE = '/compat/timeback';
  const webhookBody = { name: 'Hook', description: null, targetUrl: 'https://example.com/hook', secret: 'secret123', active: true };
  const events = {
    sensor: 'https://app.example.com',
    sendTime: '2025-07-22T21:27:15.304Z',
    dataVersion: 'http://purl.imsglobal.org/ctx/caliper/v1p2',
    data: [
      {
        id: 'urn:uuid:8d3f1c1e-0000-4000-8000-000000000001',
        type: 'ActivityEvent',
        eventTime: '2025-07-22T21:27:15.304Z',
        actor: { id: 'https://example.com/users/1', type: 'TimebackUser' },
        action: 'Completed',
        object: { id: 'https://example.com/activity/1', type: 'TimebackActivityContext' },
      },
    ],
  };

  it('grants the requested scope URIs, and the token reads webhooks and sends events but may not create webhooks', async () => {
    const { id, secret } = await client(['webhook.create', 'webhook.readonly', 'event.create']);
    const issued = await token(TOKEN, {
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
      scope: `${SCOPE_URI}webhook.readonly ${SCOPE_URI}event.create`,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body).toEqual({
      access_token: expect.stringMatching(/^hpt_/),
      expires_in: 3600,
      token_type: 'Bearer',
      scope: `${SCOPE_URI}webhook.readonly ${SCOPE_URI}event.create`,
    });
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const bearer = issued.body.access_token as string;

    expect((await platformFetch(server, BASE, '/webhooks/', { token: bearer })).status).toBe(200);
    expect((await platformFetch(server, BASE, '/webhook-filters/', { token: bearer })).status).toBe(200);
    const sent = await platformFetch(server, BASE, '/caliper/event', { method: 'POST', token: bearer, body: events });
    expect(sent.status, sent.text).toBe(200);
    const refused = await platformFetch(server, BASE, '/webhooks/', { method: 'POST', token: bearer, body: webhookBody });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'Forbidden' });
  });

  it('takes the short scope names too: webhook.create manages webhooks and filters but sends no events', async () => {
    const { id, secret } = await client(['webhook.create', 'event.create']);
    const issued = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'webhook.create' });
    expect(issued.body.scope).toBe('webhook.create');
    const bearer = issued.body.access_token as string;
    const created = await platformFetch(server, BASE, '/webhooks/', { method: 'POST', token: bearer, body: webhookBody });
    expect(created.status, created.text).toBe(201);
    const filter = await platformFetch(server, BASE, '/webhook-filters/', {
      method: 'POST',
      token: bearer,
      body: { webhookId: created.body.webhook.id, filterKey: 'type', filterValue: 'ActivityEvent', filterType: 'string', filterOperation: 'eq', active: true },
    });
    expect(filter.status, filter.text).toBe(201);
    expect((await platformFetch(server, BASE, '/caliper/event', { method: 'POST', token: bearer, body: events })).status).toBe(403);
  });

  it("grants all of the client's scopes when none is asked for", async () => {
    const { id, secret } = await client(['webhook.readonly']);
    const issued = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret });
    expect(issued.status).toBe(200);
    expect(issued.body.scope).toBe('webhook.readonly');
  });

  it('answers RFC 6749 errors: a wrong secret, a scope the client lacks, an unknown scope, another grant', async () => {
    const { id, secret } = await client(['webhook.readonly']);
    const wrongSecret = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: `${secret}x` });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client' });
    const notHeld = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: `${SCOPE_URI}webhook.create` });
    expect(notHeld.status).toBe(400);
    expect(notHeld.body).toMatchObject({ error: 'invalid_scope' });
    const admin = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: `${SCOPE_URI}admin` });
    expect(admin.body).toMatchObject({ error: 'invalid_scope' });
    const unknown = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'subscriptions:read' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_scope', error_description: expect.stringContaining('subscriptions:read') });
    const password = await token(TOKEN, { grant_type: 'password', username: id, password: secret });
    expect(password.body).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('refuses a token once its client key is revoked, with Timeback\'s 401', async () => {
    const { id, secret } = await client(['webhook.readonly']);
    const bearer = (await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret })).body.access_token as string;
    expect((await platformFetch(server, BASE, '/webhooks/', { token: bearer })).status).toBe(200);
    await call(server, 'DELETE', `/v1/tenants/${tenant.id}/api-keys/${id}`, { token: server.adminToken });
    const after = await platformFetch(server, BASE, '/webhooks/', { token: bearer });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'Unauthorized' });
  });
});

describe('Kajabi: POST /compat/kajabi/v1/oauth/token', () => {
  const TOKEN = '/compat/kajabi/v1/oauth/token';
  const BASE = '/compat/kajabi';
  const JSON_API = 'application/vnd.api+json';
  const hook = (event: string) => ({
    data: { type: 'hooks', attributes: { target_url: 'https://example.com/kajabi', event }, relationships: { site: { data: { id: '1', type: 'sites' } } } },
  });

  it('grants a subset of the event scopes, and the token creates hooks only for those events', async () => {
    const { id, secret } = await client(['view:contacts', 'view:purchases']);
    const issued = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'view:contacts' });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body).toEqual({ access_token: expect.stringMatching(/^hpt_/), expires_in: 3600, token_type: 'Bearer', scope: 'view:contacts' });
    const bearer = issued.body.access_token as string;

    const created = await platformFetch(server, BASE, '/v1/hooks', { method: 'POST', token: bearer, body: hook('tag_added'), contentType: JSON_API });
    expect(created.status, created.text).toBe(201);
    const listed = await platformFetch(server, BASE, '/v1/hooks', { token: bearer });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((h: { id: string }) => h.id)).toContain(created.body.data.id);
    const refused = await platformFetch(server, BASE, '/v1/hooks', { method: 'POST', token: bearer, body: hook('purchase'), contentType: JSON_API });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toMatchObject({ status: '403', detail: 'Missing required scope: view:purchases' });
    expect((await platformFetch(server, BASE, '/v1/hooks/purchase_sample', { token: bearer })).status).toBe(403);
  });

  it('answers 401 for a wrong client secret and 400 for the grants it does not serve', async () => {
    const { id, secret } = await client(['view:contacts']);
    const wrong = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: 'hpk_not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_client' });
    const refresh = await token(TOKEN, { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(refresh.status).toBe(400);
    expect(refresh.body).toMatchObject({ error: 'unsupported_grant_type' });
    const tooMuch = await token(TOKEN, { grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'view:contacts view:orders' });
    expect(tooMuch.body).toMatchObject({ error: 'invalid_scope' });
  });

  it('answers 401 in JSON:API to a request with a forged token', async () => {
    const answer = await platformFetch(server, BASE, '/v1/hooks', { token: 'hpt_forged.x' });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0]).toMatchObject({ status: '401' });
  });
});
