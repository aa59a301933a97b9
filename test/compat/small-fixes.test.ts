import { expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.js';
import { call, eventually, publish, subscribe, defineEventType, type TestServer, type TestTenant } from '../support/server.js';
import { describeEachStore } from '../support/stores.js';
import { platformFetch, usePlatformFixture } from './shared-harness.js';

describeEachStore('first-run fixes', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  it("serves Kajabi's GET /v1/version without a key, as JSON:API", async () => {
    const answer = await platformFetch(server, '/compat/kajabi', '/v1/version', { token: null, headers: { accept: 'application/vnd.api+json' } });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/vnd\.api\+json/);
    expect(answer.body.data).toMatchObject({ type: 'versions', attributes: { version: '1.0.1' } });
  });

  it("answers Kajabi's sample payloads as application/vnd.api+json", async () => {
    const answer = await platformFetch(server, '/compat/kajabi', '/v1/hooks/purchase_sample', { token: tenant.key, headers: { accept: 'application/vnd.api+json' } });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/vnd\.api\+json/);
  });

  it("answers Fourthwall's unknown routes with NOT_FOUND, not a missing webhook configuration", async () => {
    const answer = await platformFetch(server, '/compat/fourthwall', '/open-api/v1.0/nothing-here', { token: tenant.key });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('NOT_FOUND');
    const missing = await platformFetch(server, '/compat/fourthwall/open-api/v1.0', '/webhooks/wcf_missing', { token: tenant.key });
    expect(missing.body.code).toBe('WEBHOOK_CONFIGURATION_NOT_FOUND');
  });

  it('accepts POST …/retry and …/rotate-secret with a JSON content type and no body, or with no body at all', async () => {
    await defineEventType(server, 'first.run', { type: 'object' });
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['first.run'] });
    const published = await publish(server, tenant, { type: 'first.run', data: {} });
    const base = `/v1/tenants/${tenant.id}`;
    const delivery = await eventually(async () => {
      const log = await call(server, 'GET', `${base}/deliveries?event_id=${published.body.id}`, { token: tenant.key });
      return log.body.data[0]?.status === 'succeeded' ? log.body.data[0] : undefined;
    });
    const jsonNoBody = { 'content-type': 'application/json' };
    const retried = await call(server, 'POST', `${base}/deliveries/${delivery.id}/retry`, { token: tenant.key, headers: jsonNoBody });
    expect(retried.status, JSON.stringify(retried.body)).toBeLessThan(300);
    const rotatedJson = await call(server, 'POST', `${base}/subscriptions/${subscription.id}/rotate-secret`, { token: tenant.key, headers: jsonNoBody });
    expect(rotatedJson.status, JSON.stringify(rotatedJson.body)).toBe(200);
    const rotatedBare = await call(server, 'POST', `${base}/subscriptions/${subscription.id}/rotate-secret`, { token: tenant.key });
    expect(rotatedBare.status, JSON.stringify(rotatedBare.body)).toBe(200);
    expect(rotatedBare.body.secret).not.toBe(rotatedJson.body.secret);
  });
});
