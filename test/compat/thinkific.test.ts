import { createHmac } from 'node:crypto';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.js';
import { call, createTenant, type TestServer, type TestTenant } from '../support/server.js';
import { deliveryCount, keyWithScopes, platformFetch, publishEvent, secretOf, verifyStandardWebhook, usePlatformFixture } from './shared-harness.js';
import { seedJsonExamples, shapeOf } from './shared-seeds.js';
import { describeEachStore } from '../support/stores.js';

// Seed 004 documents Thinkific's API by JSON examples rather than an OpenAPI block: requests are
// sent verbatim, and answers must have the shape (keys and types) of the documented answers.
const BASE = '/compat/thinkific/api/v2';
const examples = seedJsonExamples('thinkific') as any[];
const [createRequest, , , updateRequest] = examples;
const createdExample = examples[1];
const eventExample = examples[5];
const [orderDelivery, enrollmentDelivery] = examples.filter((example) => 'tenant_id' in example);
const ajv = new Ajv({ allErrors: true });
const webhookShape = ajv.compile(shapeOf(createdExample));
const eventShape = ajv.compile(shapeOf(eventExample));
const deliveryShape = (delivery: unknown) => ajv.compile(shapeOf(delivery));
const hex = (key: string, body: string) => createHmac('sha256', key).update(body).digest('hex');

describeEachStore('Thinkific compat', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  const webhooks = (route = '', options: Parameters<typeof platformFetch>[3] = {}) => platformFetch(server, BASE, `/webhooks${route}`, { token: tenant.key, ...options });
  const create = (body: unknown) => webhooks('', { method: 'POST', body });

  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  it('reads the seed: two webhook requests, three webhook answers, an event and two deliveries', () => {
    expect(createRequest).toEqual({ topic: 'order.created', target_url: 'https://mockserver.thinkific.com/webhooks' });
    expect(updateRequest).toEqual(createRequest);
    expect(eventExample).toMatchObject({ resource: 'order', action: 'created' });
    expect([orderDelivery.resource, enrollmentDelivery.resource]).toEqual(['order', 'enrollment']);
  });

  it('creates (201) and updates (200) webhooks from the seed requests sent verbatim, answering in the documented shape', async () => {
    const created = await create(createRequest);
    expect(created.status, created.text).toBe(201);
    expect(webhookShape(created.body), JSON.stringify(webhookShape.errors)).toBe(true);
    expect(created.body).toMatchObject({ status: 'active', topic: 'order.created', target_url: createRequest.target_url });

    const moved = await webhooks(`/${created.body.id}`, { method: 'PUT', body: { topic: 'enrollment.created', target_url: receiver.url } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ topic: 'enrollment.created', target_url: receiver.url });
    const updated = await webhooks(`/${created.body.id}`, { method: 'PUT', body: updateRequest });
    expect(updated.status).toBe(200);
    expect(webhookShape(updated.body)).toBe(true);
    expect(updated.body).toMatchObject({ id: created.body.id, topic: 'order.created', target_url: updateRequest.target_url, created_at: created.body.created_at });

    const got = await webhooks(`/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(updated.body);
  });

  it('answers invalid fields with 422 { errors: { field: message } } as documented', async () => {
    const cases: [unknown, Record<string, string>][] = [
      [{ topic: 'order.exploded', target_url: receiver.url }, { topic: 'invalid format' }],
      [{ topic: 'order.created', target_url: 'not a url' }, { url: 'is not valid' }],
      [{ topic: 'order.created', target_url: 7 }, { url: 'is not valid' }],
      [{ target_url: receiver.url }, { topic: "can't be blank" }],
      [{ topic: 'order.created', target_url: receiver.url, secret: 'x' }, { secret: 'is not a known field' }],
    ];
    for (const [body, errors] of cases) {
      const answer = await create(body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.errors).toMatchObject(errors);
    }
    const broken = await create('{"topic": ');
    expect(broken.status).toBe(400);
    expect(typeof broken.body.error).toBe('string');
  });

  it('answers 401 without a key and 404 { error: "Record not found." } for unknown ids', async () => {
    const anonymous = await platformFetch(server, BASE, '/webhooks', { method: 'POST', body: createRequest });
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.body.error).toBe('string');
    for (const [route, method] of [['/webhooks/sub_nope', 'GET'], ['/webhooks/sub_nope', 'DELETE'], ['/events/evt_nope', 'GET']] as const) {
      const answer = await platformFetch(server, BASE, route, { method, token: tenant.key });
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: 'Record not found.' });
    }
    const other = await createTenant(server);
    const theirs = (await platformFetch(server, BASE, '/webhooks', { method: 'POST', token: other.key, body: createRequest })).body;
    expect((await webhooks(`/${theirs.id}`, { method: 'PUT', body: updateRequest })).status).toBe(404);
  });

  it('lists with page and limit (and the next cursor), and deletes with 204', async () => {
    const ids: string[] = [];
    for (const topic of ['order.created', 'user.signup', 'course.updated']) ids.push((await create({ topic, target_url: receiver.url })).body.id);

    const first = await webhooks('?page=1&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((w: any) => w.id)).toEqual(ids.slice(0, 2));
    for (const item of first.body.items) expect(webhookShape(item)).toBe(true);
    expect(first.body.meta.page).toEqual({ has_next: true, next_page: ids[1], page_items: 2, total_items: 3, total_pages: 2 });
    const second = await webhooks('?page=2&limit=2');
    expect(second.body.items.map((w: any) => w.id)).toEqual([ids[2]]);
    expect(second.body.meta.page).toMatchObject({ has_next: false, next_page: '', page_items: 1 });
    const continued = await webhooks(`?limit=2&next=${first.body.meta.page.next_page}`);
    expect(continued.body.items.map((w: any) => w.id)).toEqual([ids[2]]);
    // The totals are the whole list's, however the page was reached.
    expect(continued.body.meta.page).toEqual({ has_next: false, next_page: '', page_items: 1, total_items: 3, total_pages: 2 });
    const fromStart = await webhooks('?limit=1&next=');
    expect(fromStart.body.meta.page).toEqual({ has_next: true, next_page: ids[0], page_items: 1, total_items: 3, total_pages: 3 });

    expect((await webhooks(`/${ids[0]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await webhooks(`/${ids[0]}`)).status).toBe(404);
    expect((await webhooks('?limit=25')).body.meta.page.total_items).toBe(2);
  });

  it('delivers the documented envelope signed with X-Thinkific-Hmac-Sha256 (hex HMAC of the body with the API key)', async () => {
    const webhook = (await create({ topic: 'enrollment.created', target_url: receiver.url })).body;
    const eventId = await publishEvent(server, tenant, { type: 'thinkific:enrollment.created', data: enrollmentDelivery.payload });

    const [request] = await receiver.waitFor(1);
    const headers = request!.headers;
    expect(headers['x-thinkific-hmac-sha256']).toBe(hex(tenant.key, request!.body));
    expect(headers['x-thinkific-hmac-sha256']).not.toBe(hex(tenant.key, request!.body.replace('97472', '97473')));
    expect(headers['x-thinkific-topic']).toBe('enrollment.created');
    const body = JSON.parse(request!.body);
    const enrollmentShape = deliveryShape(enrollmentDelivery);
    expect(enrollmentShape(body), JSON.stringify(enrollmentShape.errors)).toBe(true);
    expect(body).toEqual({ id: eventId, resource: 'enrollment', action: 'created', tenant_id: tenant.id, created_at: expect.any(String), payload: enrollmentDelivery.payload });
    // The Standard Webhooks signature is keyed with the same API key: the receiver holds it already.
    expect(verifyStandardWebhook(`whsec_${Buffer.from(tenant.key).toString('base64')}`, request!)).toEqual(body);

    const event = await platformFetch(server, BASE, `/events/${eventId}`, { token: tenant.key });
    expect(event.status).toBe(200);
    expect(eventShape(event.body)).toBe(true);
    expect(event.body).toEqual({ id: eventId, resource: 'enrollment', action: 'created', created_at: body.created_at, payload: enrollmentDelivery.payload });
  });

  it('never signs with an instance credential: a webhook the admin token creates gets a generated secret', async () => {
    const created = await platformFetch(server, BASE, '/webhooks', {
      method: 'POST',
      token: server.adminToken,
      headers: { 'hookpost-tenant': tenant.id },
      body: { topic: 'user.signin', target_url: receiver.url },
    });
    expect(created.status).toBe(201);
    const secret = await secretOf(server, tenant, created.body.id);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').toString()).not.toContain(server.adminToken);
  });

  it("never discloses the creating API key as the webhook's secret, nor lets it be replaced, through the native API", async () => {
    const webhook = (await create({ topic: 'order.created', target_url: receiver.url })).body;
    const colleague = await keyWithScopes(server, tenant, ['subscriptions:read', 'subscriptions:write']);
    const route = `/v1/tenants/${tenant.id}/subscriptions/${webhook.id}`;
    const encodedKey = Buffer.from(tenant.key).toString('base64');
    for (const token of [colleague, tenant.key, server.adminToken]) {
      const attempts = [
        await call(server, 'GET', `${route}/secret`, { token }),
        await call(server, 'POST', `${route}/rotate-secret`, { token, body: {} }),
        await call(server, 'PATCH', route, { token, body: { secret: `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}` } }),
      ];
      for (const answer of attempts) {
        expect(answer.status).toBe(409);
        expect(answer.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('API key that created it') });
        expect(JSON.stringify(answer.body)).not.toContain(encodedKey);
        expect(JSON.stringify(answer.body)).not.toContain(tenant.key);
      }
    }
    // Nothing changed: the webhook still signs with the key, and the rest of it is readable and changeable.
    expect((await call(server, 'GET', route, { token: colleague })).status).toBe(200);
    expect((await call(server, 'PATCH', route, { token: colleague, body: { name: 'renamed' } })).status).toBe(200);
    await publishEvent(server, tenant, { type: 'thinkific:order.created', data: orderDelivery.payload });
    const [request] = await receiver.waitFor(1);
    expect(request!.headers['x-thinkific-hmac-sha256']).toBe(hex(tenant.key, request!.body));
  });

  it('also refuses to show a secret made of a stored API key that carries no mark (made before the mark existed)', async () => {
    const colleague = await keyWithScopes(server, tenant, ['subscriptions:read', 'subscriptions:write']);
    const legacy = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, {
      token: tenant.key,
      body: { url: receiver.url, event_types: ['thinkific:order.created'], secret: `whsec_${Buffer.from(tenant.key).toString('base64')}` },
    });
    expect(legacy.status).toBe(201);
    const answer = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${legacy.body.id}/secret`, { token: colleague });
    expect(answer.status).toBe(409);
    const generated = (await platformFetch(server, BASE, '/webhooks', { method: 'POST', token: server.adminToken, headers: { 'hookpost-tenant': tenant.id }, body: { topic: 'user.signin', target_url: receiver.url } })).body;
    expect((await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${generated.id}/secret`, { token: colleague })).status).toBe(200);
  });

  it('applies topic: an event of the topic is delivered, one of another topic is not', async () => {
    await create({ topic: 'order.created', target_url: receiver.url });
    const enrollment = await publishEvent(server, tenant, { type: 'thinkific:enrollment.created', data: enrollmentDelivery.payload });
    const order = await publishEvent(server, tenant, { type: 'thinkific:order.created', data: orderDelivery.payload });

    const [request] = await receiver.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(order);
    const body = JSON.parse(request!.body);
    expect(deliveryShape(orderDelivery)(body)).toBe(true);
    expect(body).toMatchObject({ resource: 'order', action: 'created', payload: orderDelivery.payload });
    expect(await deliveryCount(server, tenant, enrollment)).toBe(0);
  });
});
