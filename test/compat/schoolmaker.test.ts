import { describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.js';
import { createTenant, subscribe, type TestServer, type TestTenant } from '../support/server.js';
import { deliveryCount, platformFetch, publishEvent, secretOf, verifyStandardWebhook, usePlatformFixture } from './shared-harness.js';
import { requestSchema, responseValidator, seedOpenApi } from './shared-seeds.js';
import { describeEachStore } from '../support/stores.js';

const BASE = '/compat/schoolmaker/api/v1';
const [seed] = seedOpenApi('schoolmaker');
const created201 = responseValidator(seed, '/webhooks', 'post', 201);
const member = { id: '48213', email: 'jane.doe@example.com', first_name: 'Jane', last_name: 'Doe' };

describeEachStore('SchoolMaker compat', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  const create = (body: unknown, token: string | null = tenant.key) => platformFetch(server, BASE, '/webhooks', { method: 'POST', token, body });

  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  it('creates a webhook for every event type of the seed enum, answering 201 in the seed schema', async () => {
    const events: string[] = requestSchema(seed, '/webhooks', 'post').properties.event_type.enum;
    expect(events).toHaveLength(6);
    for (const event_type of events) {
      // Seed 000 shows no example request; this one sets every property its schema defines.
      const answer = await create({ webhook_url: receiver.url, event_type, provider: 'zapier', extra_parameters: { offerFilter: ['12'], activeLevels: [3] } });
      expect(answer.status, answer.text).toBe(201);
      expect(created201(answer.body), JSON.stringify(created201.errors)).toBe(true);
      expect(answer.body).toMatchObject({ webhook_url: receiver.url, event_type, provider: 'zapier', extra_parameters: { offerFilter: ['12'], activeLevels: [3] } });
    }
  });

  it('takes the required fields alone, and comma-separated extra parameters as the prose describes them', async () => {
    const bare = await create({ webhook_url: receiver.url, event_type: 'element_completed' });
    expect(bare.status).toBe(201);
    expect(created201(bare.body)).toBe(true);
    expect(bare.body.extra_parameters).toEqual({});
    const commas = await create({ webhook_url: receiver.url, event_type: 'gamification_level_passed', extra_parameters: { activeLevels: '2, 5' } });
    expect(commas.status).toBe(201);
    expect(commas.body.extra_parameters).toEqual({ activeLevels: [2, 5] });
  });

  it('shows every property of the seed\'s 201 schema on create, list and get, provider as "" (a string, as the seed types it) when none was given', async () => {
    const properties = Object.keys(seed.paths['/webhooks'].post.responses['201'].content['application/json'].schema.properties);
    const bare = await create({ webhook_url: receiver.url, event_type: 'new_payment' });
    expect(bare.status).toBe(201);
    expect(bare.body.provider).toBe('');
    const listed = (await platformFetch(server, BASE, '/webhooks', { token: tenant.key })).body.find((webhook: any) => webhook.id === bare.body.id);
    const read = (await platformFetch(server, BASE, `/webhooks/${bare.body.id}`, { token: tenant.key })).body;
    for (const shown of [bare.body, listed, read]) {
      expect(Object.keys(shown).sort()).toEqual([...properties].sort());
      expect(created201(shown), JSON.stringify(created201.errors)).toBe(true);
    }
  });

  it('answers missing, mistyped and unknown fields with 422 { error: [messages] }', async () => {
    const cases: [unknown, string][] = [
      [{ event_type: 'new_payment' }, "webhook_url can't be blank"],
      [{ webhook_url: receiver.url, event_type: 'lesson_watched' }, 'event_type is not included in the list'],
      [{ webhook_url: 42, event_type: 'new_payment' }, 'webhook_url must be string'],
      [{ webhook_url: receiver.url, event_type: 'new_payment', secret: 'x' }, 'secret is not a known field'],
      [{ webhook_url: receiver.url, event_type: 'new_payment', extra_parameters: { offerFilter: { id: 1 } } }, 'extra_parameters.offerFilter'],
      [{ webhook_url: receiver.url, event_type: 'gamification_level_passed', extra_parameters: { activeLevels: 'one,two' } }, 'extra_parameters.activeLevels'],
      [{ webhook_url: 'not a url', event_type: 'new_payment' }, 'webhook_url'],
    ];
    for (const [body, message] of cases) {
      const answer = await create(body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.error.some((text: string) => text.startsWith(message)), JSON.stringify(answer.body)).toBe(true);
    }
  });

  it('answers a body that is not JSON with 400 and no credentials with 401, both as { error }', async () => {
    const broken = await platformFetch(server, BASE, '/webhooks', { method: 'POST', token: tenant.key, body: '{"webhook_url":' });
    expect(broken.status).toBe(400);
    expect(typeof broken.body.error).toBe('string');
    const anonymous = await create({ nonsense: true }, null);
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.body.error).toBe('string');
    const wrongKey = await create({ webhook_url: receiver.url, event_type: 'new_payment' }, 'hpk_not_a_key');
    expect(wrongKey.status).toBe(401);
  });

  it('lists, gets and deletes its webhooks, and only its own', async () => {
    await subscribe(server, tenant, { url: receiver.url, event_types: ['schoolmaker:new_payment'] }); // a native subscription
    const first = (await create({ webhook_url: receiver.url, event_type: 'new_payment' })).body;
    const second = (await create({ webhook_url: receiver.url, event_type: 'member_inactivity' })).body;

    const list = await platformFetch(server, BASE, '/webhooks', { token: tenant.key });
    expect(list.status).toBe(200);
    expect(list.body.map((w: any) => w.id)).toEqual([first.id, second.id]);
    for (const webhook of list.body) expect(created201(webhook)).toBe(true);

    const got = await platformFetch(server, BASE, `/webhooks/${first.id}`, { token: tenant.key });
    expect(got.body).toEqual(first);
    const removed = await platformFetch(server, BASE, `/webhooks/${first.id}`, { method: 'DELETE', token: tenant.key });
    expect(removed.status).toBe(204);
    const gone = await platformFetch(server, BASE, `/webhooks/${first.id}`, { token: tenant.key });
    expect(gone.status).toBe(404);
    expect(typeof gone.body.error).toBe('string');

    const other = await createTenant(server);
    const foreign = await platformFetch(server, BASE, `/webhooks/${second.id}`, { token: other.key });
    expect(foreign.status).toBe(404);
  });

  it('delivers a published new_payment as the flat SchoolMaker payload with Standard Webhooks signatures', async () => {
    const webhook = (await create({ webhook_url: receiver.url, event_type: 'new_payment' })).body;
    const payment = { id: '88017', amount: 4900, currency: 'EUR', price_type: 'one_time', paid_at: '2025-01-15T09:00:00Z' };
    const eventId = await publishEvent(server, tenant, { type: 'schoolmaker:new_payment', data: { member, offer: { id: '12', name: 'Premium' }, payment } });

    const [request] = await receiver.waitFor(1);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-id']).toBe(eventId);
    const body = verifyStandardWebhook(await secretOf(server, tenant, webhook.id), request!) as any;
    expect(body).toEqual({ event_type: 'new_payment', created_at: expect.any(String), member, offer: { id: '12', name: 'Premium' }, payment });
  });

  it('applies offerFilter: an offer in the list is delivered, another is not', async () => {
    await create({ webhook_url: receiver.url, event_type: 'member_joining_offer', extra_parameters: { offerFilter: '12,34' } });
    const joined = (offerId: string | number) => ({ member, offer: { id: offerId, name: 'Offer' }, is_new_member: false, joined_at: '2025-01-15T09:00:00Z' });
    const other = await publishEvent(server, tenant, { type: 'schoolmaker:member_joining_offer', data: joined('99') });
    const listed = await publishEvent(server, tenant, { type: 'schoolmaker:member_joining_offer', data: joined('34') });

    const [request] = await receiver.waitFor(1);
    expect(JSON.parse(request!.body).offer.id).toBe('34');
    expect(request!.headers['webhook-id']).toBe(listed);
    expect(await deliveryCount(server, tenant, other)).toBe(0);
  });

  it('applies activeLevels: a listed level is delivered, another is not', async () => {
    await create({ webhook_url: receiver.url, event_type: 'gamification_level_passed', extra_parameters: { activeLevels: [3, 5] } });
    const passed = (number: number) => ({ member, level: { number, name: `Level ${number}` }, points: number * 400 });
    const other = await publishEvent(server, tenant, { type: 'schoolmaker:gamification_level_passed', data: passed(4) });
    const listed = await publishEvent(server, tenant, { type: 'schoolmaker:gamification_level_passed', data: passed(5) });

    const [request] = await receiver.waitFor(1);
    expect(JSON.parse(request!.body).level.number).toBe(5);
    expect(request!.headers['webhook-id']).toBe(listed);
    expect(await deliveryCount(server, tenant, other)).toBe(0);
  });
});
