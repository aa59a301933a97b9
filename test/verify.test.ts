import { generateKeyPairSync, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  verifyFourthwallWebhook,
  verifyStandardWebhook,
  verifyThinkificWebhook,
  verifyTimebackWebhook,
  WebhookVerificationError,
} from '../src/verify/index.js';
import { platformFetch } from './compat/shared-harness.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('verifyStandardWebhook against the standardwebhooks package', () => {
  const signer = new Webhook(SECRET);
  const body = JSON.stringify({ type: 'invoice.paid', data: { amount: 42, note: 'é ✓' } });
  const signed = (at = new Date(), payload = body, id = 'msg_1') => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(id, at, payload),
  });

  it('accepts what standardwebhooks signs, as it does, and returns the payload', () => {
    const headers = signed();
    expect(signer.verify(body, headers)).toEqual(JSON.parse(body));
    expect(verifyStandardWebhook(body, headers, SECRET)).toEqual({ id: 'msg_1', timestamp: Number(headers['webhook-timestamp']), payload: JSON.parse(body) });
    expect(verifyStandardWebhook(Buffer.from(body), new Headers(headers), SECRET).payload).toEqual(JSON.parse(body));
    // The secret without its prefix, as the standardwebhooks libraries also take it.
    expect(verifyStandardWebhook(body, headers, SECRET.slice('whsec_'.length)).id).toBe('msg_1');
  });

  it.each([
    ['a changed body', () => ({ body: body.replace('42', '43'), headers: signed() })],
    ['another secret', () => ({ body, headers: { ...signed(), 'webhook-signature': new Webhook('whsec_' + Buffer.alloc(24, 1).toString('base64')).sign('msg_1', new Date(), body) } })],
    ['a changed id', () => ({ body, headers: { ...signed(), 'webhook-id': 'msg_2' } })],
    ['a timestamp 10 minutes old', () => ({ body, headers: signed(new Date(Date.now() - 600_000)) })],
    ['a timestamp 10 minutes ahead', () => ({ body, headers: signed(new Date(Date.now() + 600_000)) })],
    ['no signature header', () => ({ body, headers: { ...signed(), 'webhook-signature': undefined } })],
    ['a v2 signature only', () => ({ body, headers: { ...signed(), 'webhook-signature': signed()['webhook-signature'].replace('v1,', 'v2,') } })],
  ])('refuses %s, as standardwebhooks does', (_name, make) => {
    const { body: sent, headers } = make();
    expect(() => signer.verify(sent, headers as Record<string, string>)).toThrow();
    expect(() => verifyStandardWebhook(sent, headers, SECRET)).toThrow(WebhookVerificationError);
  });

  it('accepts a header holding several signatures when one matches (secret rotation)', () => {
    const headers = signed();
    const old = new Webhook('whsec_' + Buffer.alloc(32, 9).toString('base64')).sign('msg_1', new Date(Number(headers['webhook-timestamp']) * 1000), body);
    const both = { ...headers, 'webhook-signature': `${old} ${headers['webhook-signature']}` };
    expect(signer.verify(body, both)).toEqual(JSON.parse(body));
    expect(verifyStandardWebhook(body, both, SECRET).payload).toEqual(JSON.parse(body));
  });

  it('checks v1a Ed25519 signatures with a whpk_ public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(`msg_9.${timestamp}.${body}`), privateKey).toString('base64');
    const headers = { 'webhook-id': 'msg_9', 'webhook-timestamp': timestamp, 'webhook-signature': `v1a,${signature}` };
    expect(verifyStandardWebhook(body, headers, `whpk_${raw.toString('base64')}`).id).toBe('msg_9');
    expect(() => verifyStandardWebhook(body.replace('42', '43'), headers, `whpk_${raw.toString('base64')}`)).toThrow(WebhookVerificationError);
  });

  it('refuses parsed JSON in place of the raw body', () => {
    expect(() => verifyStandardWebhook(JSON.parse(body), signed(), SECRET)).toThrow(/raw request body/);
  });
});

describe('verify helpers against real deliveries', () => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer();
    tenant = await createTenant(server);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const example = async (type: string) => (await call(server, 'GET', `/v1/event-types/${type}`, { token: server.adminToken })).body.example;
  // Every delivery carries its event's id, in the body or as webhook-id.
  const deliveryOf = (eventId: string) =>
    eventually(() => receiver.requests.find((r) => r.headers['webhook-id'] === eventId || r.body.includes(eventId)), 10_000, `the delivery of ${eventId}`);

  it('verifies a native delivery with the subscription secret', async () => {
    await defineEventType(server, 'verify.native', { type: 'object' });
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['verify.native'] });
    const id = (await publish(server, tenant, { type: 'verify.native', data: { n: 1 } })).body.id;
    const request = await deliveryOf(id);
    const verified = verifyStandardWebhook<{ data: unknown }>(request.body, request.headers, subscription.secret);
    expect(verified.payload.data).toEqual({ n: 1 });
    expect(() => verifyStandardWebhook(request.body, request.headers, 'whsec_' + Buffer.alloc(32, 3).toString('base64'))).toThrow(WebhookVerificationError);
  });

  it('verifies a Thinkific delivery with the API key, a Fourthwall one with the shop secret and a Timeback one with its secret', async () => {
    const thinkific = await platformFetch(server, '/compat/thinkific/api/v2', '/webhooks', { method: 'POST', token: tenant.key, body: { topic: 'enrollment.created', target_url: receiver.url } });
    expect(thinkific.status).toBe(201);
    const fourthwall = await platformFetch(server, '/compat/fourthwall/open-api/v1.0', '/webhooks', { method: 'POST', token: tenant.key, body: { url: receiver.url, allowedTypes: ['ORDER_PLACED'] } });
    expect(fourthwall.status).toBe(200);
    const timeback = await platformFetch(server, '/compat/timeback', '/webhooks/', {
      method: 'POST',
      token: tenant.key,
      body: { name: 'Hook', description: null, targetUrl: receiver.url, secret: 'timeback-shared-secret', active: true },
    });
    expect(timeback.status).toBe(201);

    const enrollment = await deliveryOf((await publish(server, tenant, { type: 'thinkific:enrollment.created', data: await example('thinkific:enrollment.created') })).body.id);
    expect(verifyThinkificWebhook<{ id: string }>(enrollment.body, enrollment.headers, tenant.key).id).toBeTruthy();
    expect(() => verifyThinkificWebhook(enrollment.body, enrollment.headers, 'another-key')).toThrow(WebhookVerificationError);

    const order = await deliveryOf((await publish(server, tenant, { type: 'fourthwall:ORDER_PLACED', data: await example('fourthwall:ORDER_PLACED') })).body.id);
    expect(verifyFourthwallWebhook<{ type: string }>(order.body, order.headers, fourthwall.body.secret).type).toBe('ORDER_PLACED');
    expect(() => verifyFourthwallWebhook(order.body.replace('ORDER_PLACED', 'DONATION'), order.headers, fourthwall.body.secret)).toThrow(WebhookVerificationError);

    const activity = await publish(server, tenant, { type: 'timeback:ActivityEvent', data: await example('timeback:ActivityEvent') });
    const caliper = await deliveryOf(activity.body.id);
    expect(verifyTimebackWebhook<{ data: unknown[] }>(caliper.body, caliper.headers, 'timeback-shared-secret').data).toHaveLength(1);
    expect(() => verifyTimebackWebhook(caliper.body, caliper.headers, 'wrong')).toThrow(WebhookVerificationError);
  });
});
