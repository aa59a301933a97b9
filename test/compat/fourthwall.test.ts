import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fourthwallError } from '../../src/api/compat/fourthwall/errors.js';
import { HookpostError } from '../../src/core/errors.js';
import type { Receiver } from '../support/receiver.js';
import { call, createTenant, startServer, type TestServer, type TestTenant } from '../support/server.js';
import { deliveryCount, keyWithScopes, platformFetch, publishEvent, secretOf, verifyStandardWebhook, usePlatformFixture } from './shared-harness.js';
import { requestSchema, responseValidator, seedOpenApi } from './shared-seeds.js';
import { describeEachStore } from '../support/stores.js';

const BASE = '/compat/fourthwall/open-api/v1.0';
const [seed] = seedOpenApi('fourthwall');
const configuration200 = responseValidator(seed, '/open-api/v1.0/webhooks', 'post', 200);
const ALLOWED_TYPES: string[] = requestSchema(seed, '/open-api/v1.0/webhooks', 'post').properties?.allowedTypes?.items?.enum
  ?? seed.components.schemas['com.fourthwall.app.openapi.endpoint.OpenApiWebhookConfigurationEndpoint.WebhookConfigurationCreateRequest'].properties.allowedTypes.items.enum;
const ERROR_EXAMPLES = seed.paths['/open-api/v1.0/webhooks'].post.responses['400'].content['application/json'].examples;

describeEachStore('Fourthwall compat', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  const api = (route: string, options: Parameters<typeof platformFetch>[3] = {}) => platformFetch(server, BASE, route, { token: tenant.key, ...options });
  const create = async (allowedTypes: string[], url = receiver.url) => {
    const answer = await api('/webhooks', { method: 'POST', body: { url, allowedTypes } });
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  };

  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  it('creates a webhook for every type of the seed enum, answering 200 in the seed schema', async () => {
    expect(ALLOWED_TYPES).toHaveLength(29);
    const answer = await create(ALLOWED_TYPES);
    expect(configuration200(answer), JSON.stringify(configuration200.errors)).toBe(true);
    expect(answer).toMatchObject({ url: receiver.url, allowedTypes: ALLOWED_TYPES, apiVersion: 'V1', secret: expect.any(String) });
    for (const type of ALLOWED_TYPES) {
      const catalogued = await call(server, 'GET', `/v1/event-types/fourthwall:${type}`, { token: server.adminToken });
      expect(catalogued.status, type).toBe(200);
    }
  });

  it('answers the documented 400 codes for URLs it will not call', async () => {
    const strict = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_ALLOW_PRIVATE_TARGETS: '0' } });
    try {
      const shop = await createTenant(strict);
      const answer = await platformFetch(strict, BASE, '/webhooks', { method: 'POST', token: shop.key, body: { url: 'http://127.0.0.1:9/hook', allowedTypes: ['ORDER_PLACED'] } });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(ERROR_EXAMPLES['webhook-uri-ip-not-allowed'].value);
    } finally {
      await strict.close();
    }
    // The port and domain refusals come from an installation's target policy.
    const port = fourthwallError(new HookpostError('validation_failed', 'port', [{ pointer: '/url', message: 'port', reason: 'port_not_allowed' }]));
    const domain = fourthwallError(new HookpostError('validation_failed', 'domain', [{ pointer: '/url', message: 'domain', reason: 'domain_not_allowed' }]));
    expect([port, domain]).toEqual([
      { status: 400, body: ERROR_EXAMPLES['webhook-uri-port-not-allowed'].value },
      { status: 400, body: ERROR_EXAMPLES['webhook-uri-unallowed-domain'].value },
    ]);
  });

  it('answers missing, mistyped and unknown fields with 400 { code }', async () => {
    const cases: unknown[] = [
      { allowedTypes: ['ORDER_PLACED'] },
      { url: receiver.url },
      { url: receiver.url, allowedTypes: ['ORDER_SHIPPED'] },
      { url: receiver.url, allowedTypes: [] },
      { url: 42, allowedTypes: ['ORDER_PLACED'] },
      { url: receiver.url, allowedTypes: ['ORDER_PLACED'], secret: 'x' },
      { url: 'not a url', allowedTypes: ['ORDER_PLACED'] },
    ];
    for (const body of cases) {
      const answer = await api('/webhooks', { method: 'POST', body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code, JSON.stringify(body)).toEqual(expect.any(String));
    }
  });

  it('lists in pages, gets, updates and deletes webhooks', async () => {
    const first = await create(['ORDER_PLACED']);
    const second = await create(['DONATION', 'THANK_YOU_SENT']);
    expect(second.secret).toBe(first.secret); // one secret per shop
    const page = await api('/webhooks?page=0&size=1');
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ results: [first], page: 0, size: 1, total: 2, totalPages: 2 });
    expect((await api('/webhooks?page=1&size=1')).body.results).toEqual([second]);

    const got = await api(`/webhooks/${second.id}`);
    expect(got.status).toBe(200);
    expect(configuration200(got.body)).toBe(true);
    const updated = await api(`/webhooks/${second.id}`, { method: 'PUT', body: { allowedTypes: ['ORDER_UPDATED'] } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...second, allowedTypes: ['ORDER_UPDATED'] });

    const deleted = await api(`/webhooks/${second.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    const gone = await api(`/webhooks/${second.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ code: 'WEBHOOK_CONFIGURATION_NOT_FOUND', webhookConfigurationId: second.id, shopId: tenant.id });
  });

  it('accepts basic auth (key id and token) and judges keys with Fourthwall scopes by them', async () => {
    const keyAnswer = await call(server, 'POST', `/v1/tenants/${tenant.id}/api-keys`, { token: server.adminToken, body: {} });
    const basic = `Basic ${Buffer.from(`${keyAnswer.body.id}:${keyAnswer.body.key}`).toString('base64')}`;
    const body = { url: receiver.url, allowedTypes: ['ORDER_PLACED'] };
    const withBasic = await api('/webhooks', { method: 'POST', token: null, body, headers: { authorization: basic } });
    expect(withBasic.status).toBe(200);
    const wrongUser = `Basic ${Buffer.from(`key_other:${keyAnswer.body.key}`).toString('base64')}`;
    expect((await api('/webhooks', { token: null, headers: { authorization: wrongUser } })).status).toBe(401);
    expect((await api('/webhooks', { token: null })).body).toEqual({ code: 'UNAUTHORIZED' });

    const reader = await keyWithScopes(server, tenant, ['webhook_read']);
    const writer = await keyWithScopes(server, tenant, ['webhook_write']);
    expect((await api('/webhooks', { method: 'POST', token: reader, body })).status).toBe(403);
    expect((await api('/webhooks', { token: reader })).status).toBe(200);
    expect((await api('/webhooks', { method: 'POST', token: writer, body })).status).toBe(200);
  });

  it('delivers the webhook event model signed with X-Fourthwall-Hmac-SHA256 (base64 of the body HMAC)', async () => {
    const webhook = await create(['ORDER_PLACED', 'DONATION']);
    const catalog = await call(server, 'GET', '/v1/event-types/fourthwall:ORDER_PLACED', { token: server.adminToken });
    const order = catalog.body.example;
    const eventId = await publishEvent(server, tenant, { type: 'fourthwall:ORDER_PLACED', data: order });

    const [request] = await receiver.waitFor(1);
    const expected = createHmac('sha256', webhook.secret).update(request!.body).digest('base64');
    expect(request!.headers['x-fourthwall-hmac-sha256']).toBe(expected);
    const body = JSON.parse(request!.body);
    expect(body).toEqual({ testMode: false, id: eventId, webhookId: webhook.id, shopId: tenant.id, type: 'ORDER_PLACED', apiVersion: 'V1', createdAt: expect.any(String), data: order });
    expect(verifyStandardWebhook(await secretOf(server, tenant, webhook.id), request!)).toEqual(body);
  });

  it('delivers only the allowedTypes of each webhook, several types per webhook', async () => {
    await create(['ORDER_PLACED', 'DONATION']);
    const example = async (type: string) => (await call(server, 'GET', `/v1/event-types/fourthwall:${type}`, { token: server.adminToken })).body.example;
    const placed = await publishEvent(server, tenant, { type: 'fourthwall:ORDER_PLACED', data: await example('ORDER_PLACED') });
    const donation = await publishEvent(server, tenant, { type: 'fourthwall:DONATION', data: await example('DONATION') });
    const updated = await publishEvent(server, tenant, { type: 'fourthwall:ORDER_UPDATED', data: await example('ORDER_UPDATED') });
    expect([await deliveryCount(server, tenant, placed), await deliveryCount(server, tenant, donation), await deliveryCount(server, tenant, updated)]).toEqual([1, 1, 0]);
  });
});
