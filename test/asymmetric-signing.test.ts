import { createPublicKey, verify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

/**
 * A receiver's check of `v1a` signatures, written from the Standard Webhooks specification with
 * node:crypto alone (the standardwebhooks package verifies only v1): the signed content is
 * `id.timestamp.body`, the key is `whpk_` + base64 of the raw 32-byte Ed25519 public key.
 */
function verifiesV1a(publicKey: string, headers: Record<string, string>, body: string): boolean {
  const raw = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const content = Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`);
  return headers['webhook-signature']!.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    return version === 'v1a' && verify(null, content, key, Buffer.from(signature!, 'base64'));
  });
}

describeEachStore('Ed25519 signing', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    await defineEventType(server, 'signing.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  async function delivered(data: object) {
    const count = receiver.requests.length;
    const published = await publish(server, tenant, { type: 'signing.ping', data });
    const request = (await receiver.waitFor(count + 1)).find((r) => r.headers['webhook-id'] === published.body.id)!;
    return { body: request.body, headers: request.headers as Record<string, string> };
  }

  it('signs deliveries with v1a Ed25519 signatures that verify with the public key the API serves', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['signing.ping'], signing: 'ed25519' });
    expect(subscription).toMatchObject({ signing: 'ed25519', secret: expect.stringMatching(/^whsk_/), public_key: expect.stringMatching(/^whpk_/) });
    const read = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key });
    expect(read.body.public_key).toBe(subscription.public_key);
    expect(read.body.secret).toBeUndefined();

    const { body, headers } = await delivered({ n: 1 });
    expect(headers['webhook-signature']).toMatch(/^v1a,\S+$/);
    expect(verifiesV1a(subscription.public_key, headers, body)).toBe(true);
    expect(verifiesV1a(subscription.public_key, headers, body.replace('1', '2'))).toBe(false);
  });

  it('keeps HMAC (v1) the default, which the standardwebhooks library verifies', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['signing.ping'] });
    expect(subscription.signing).toBe('hmac');
    expect(subscription.public_key).toBeUndefined();
    const { body, headers } = await delivered({ n: 2 });
    expect(new Webhook(subscription.secret).verify(body, headers)).toMatchObject({ data: { n: 2 } });
  });

  it('rotates an Ed25519 key with overlap: both public keys verify during the grace period', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['signing.ping'], signing: 'ed25519' });
    const rotated = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/rotate-secret`, { token: tenant.key, body: {} });
    expect(rotated.body.secret).toMatch(/^whsk_/);
    const after = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key });
    expect(after.body.public_key).not.toBe(subscription.public_key);

    const { body, headers } = await delivered({ n: 3 });
    expect(headers['webhook-signature']).toMatch(/^v1a,\S+ v1a,\S+$/);
    expect(verifiesV1a(subscription.public_key, headers, body)).toBe(true);
    expect(verifiesV1a(after.body.public_key, headers, body)).toBe(true);
  });

  it('refuses a secret of the wrong kind and an unknown scheme with 422', async () => {
    const hmacSecret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const body = { url: receiver.url, event_types: ['signing.ping'] };
    const wrong = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { ...body, signing: 'ed25519', secret: hmacSecret } });
    expect(wrong.status).toBe(422);
    const unknown = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { ...body, signing: 'rsa' } });
    expect(unknown.status).toBe(422);
    const chosen = `whsk_${Buffer.alloc(32, 9).toString('base64')}`;
    const given = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { ...body, signing: 'ed25519', secret: chosen } });
    expect(given.status).toBe(201);
    expect(given.body.public_key).toMatch(/^whpk_/);
  });
});
