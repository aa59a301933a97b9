import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { secretKey } from '../src/core/signing.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('secret rotation with overlap', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    await defineEventType(server, 'rotation.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  const rotate = (subscriptionId: string, body: object) =>
    call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions/${subscriptionId}/rotate-secret`, { token: tenant.key, body });

  async function deliveredAfterPublish(type: string, data: object) {
    const count = receiver.requests.length;
    const published = await publish(server, tenant, { type, data });
    expect(published.status).toBe(202);
    const requests = await receiver.waitFor(count + 1);
    const request = requests.find((r) => r.headers['webhook-id'] === published.body.id);
    expect(request).toBeDefined();
    return { body: request!.body, headers: request!.headers as Record<string, string> };
  }

  it('signs with both secrets during the grace period: a receiver knowing only the old one and one knowing only the new one both verify', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['rotation.ping'] });
    const oldSecret: string = subscription.secret;
    const rotated = await rotate(subscription.id, { grace_period_seconds: 3600 });
    expect(rotated.status).toBe(200);
    const newSecret: string = rotated.body.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);

    const { body, headers } = await deliveredAfterPublish('rotation.ping', { n: 1 });
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toMatchObject({ data: { n: 1 } });
    expect(new Webhook(newSecret).verify(body, headers)).toMatchObject({ data: { n: 1 } });
    // The secret route shows the new secret only.
    const shown = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/secret`, { token: tenant.key });
    expect(shown.body.secret).toBe(newSecret);
  });

  it('signs with the new secret alone once the grace period is over', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['rotation.ping'] });
    const chosen = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const rotated = await rotate(subscription.id, { secret: chosen, grace_period_seconds: 1 });
    expect(rotated.body.secret).toBe(chosen);
    const during = await deliveredAfterPublish('rotation.ping', { n: 1 });
    expect(new Webhook(subscription.secret).verify(during.body, during.headers)).toMatchObject({ data: { n: 1 } });

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await deliveredAfterPublish('rotation.ping', { n: 2 });
    expect(after.headers['webhook-signature']).toMatch(/^v1,\S+$/);
    expect(() => new Webhook(subscription.secret).verify(after.body, after.headers)).toThrow();
    expect(new Webhook(chosen).verify(after.body, after.headers)).toMatchObject({ data: { n: 2 } });
  });

  it('drops the old secret at once with a grace period of 0, and refuses a grace period out of range', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['rotation.ping'] });
    const rotated = await rotate(subscription.id, { grace_period_seconds: 0 });
    const { body, headers } = await deliveredAfterPublish('rotation.ping', { n: 3 });
    expect(() => new Webhook(subscription.secret).verify(body, headers)).toThrow();
    expect(new Webhook(rotated.body.secret).verify(body, headers)).toMatchObject({ data: { n: 3 } });
    expect((await rotate(subscription.id, { grace_period_seconds: -1 })).status).toBe(422);
    expect((await rotate(subscription.id, { grace_period_seconds: 31 * 86_400 })).status).toBe(422);
    expect((await rotate(subscription.id, { secret: 'not-a-secret' })).status).toBe(422);
  });

  it("signs a platform's own single-signature header with the new secret, and the Standard Webhooks header with both", async () => {
    const created = await call(server, 'POST', '/compat/fourthwall/open-api/v1.0/webhooks', {
      token: tenant.key,
      body: { url: receiver.url, allowedTypes: ['ORDER_PLACED'] },
    });
    expect(created.status).toBe(200);
    const webhook = created.body;
    const oldSecret = (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${webhook.id}/secret`, { token: tenant.key })).body.secret;
    const rotated = await rotate(webhook.id, {});
    expect(rotated.status).toBe(200);
    const example = (await call(server, 'GET', '/v1/event-types/ORDER_PLACED', { token: tenant.key })).body.example;

    const { body, headers } = await deliveredAfterPublish('ORDER_PLACED', example);
    const platformSignature = (secret: string) => createHmac('sha256', secretKey(secret)).update(body).digest('base64');
    expect(headers['x-fourthwall-hmac-sha256']).toBe(platformSignature(rotated.body.secret));
    expect(headers['x-fourthwall-hmac-sha256']).not.toBe(platformSignature(oldSecret));
    expect(new Webhook(oldSecret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(rotated.body.secret).verify(body, headers)).toBeTruthy();
  });
});

