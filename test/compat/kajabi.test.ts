import { describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver.js';
import type { TestServer, TestTenant } from '../support/server.js';
import { deliveryCount, keyWithScopes, platformFetch, publishEvent, secretOf, verifyStandardWebhook, usePlatformFixture } from './shared-harness.js';
import { requestSchema, responseValidator, seedJsonExamples, seedOpenApi } from './shared-seeds.js';
import { describeEachStore } from '../support/stores.js';

const BASE = '/compat/kajabi';
const JSON_API = 'application/vnd.api+json';
const [seed] = seedOpenApi('kajabi');
const validate = (status: number) => responseValidator(seed, '/v1/hooks', 'post', status);
const [created201, unauthorized401, forbidden403, unprocessable422] = [validate(201), validate(401), validate(403), validate(422)];
const seedRequests = seedJsonExamples('kajabi').filter((example: any) => example?.data?.type === 'hooks') as any[];
const events: string[] = seed.components.schemas.hooks_attributes.properties.event.enum;

describeEachStore('Kajabi compat', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  const post = (body: unknown, token: string | null = tenant.key) =>
    platformFetch(server, BASE, '/v1/hooks', { method: 'POST', token, body, contentType: JSON_API });
  const hook = (event: string, extra: Record<string, unknown> = {}) => ({
    data: { type: 'hooks', attributes: { target_url: receiver.url, event, ...extra }, relationships: { site: { data: { id: '456', type: 'sites' } } } },
  });

  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  it('takes both example requests of the seed verbatim and answers 201 JSON:API documents in the seed schema', async () => {
    expect(seedRequests).toHaveLength(2);
    expect(requestSchema(seed, '/v1/hooks', 'post').required).toEqual(['data']);
    for (const example of seedRequests) {
      const answer = await post(example);
      expect(answer.status, answer.text).toBe(201);
      expect(answer.contentType).toContain(JSON_API);
      expect(created201(answer.body), JSON.stringify(created201.errors)).toBe(true);
      expect(answer.body.data).toMatchObject({
        type: 'hooks',
        attributes: { event: 'tag_added', target_url: 'https://example.com/webhook' },
        relationships: { site: { data: { id: '456', type: 'sites' } } },
      });
    }
    const [specific, wildcard] = await Promise.all(
      seedRequests.map(async (example) => (await platformFetch(server, BASE, '/v1/hooks', { token: tenant.key })).body.data.find((h: any) => h.attributes.resource_id === (example.data.attributes.resource_id ? 123 : null))),
    );
    expect(specific.attributes.resource_id).toBe(123);
    expect(wildcard.attributes.resource_id).toBeNull();
  });

  it('creates a hook for every event of the seed enum and serves each event sample', async () => {
    expect(events).toHaveLength(6);
    for (const event of events) {
      const answer = await post(hook(event));
      expect(answer.status).toBe(201);
      expect(created201(answer.body)).toBe(true);
      const sample = await platformFetch(server, BASE, `/v1/hooks/${event}_sample`, { token: tenant.key });
      expect(sample.status).toBe(200);
      expect(Array.isArray(sample.body) && sample.body.length > 0).toBe(true);
      expect(sample.body.every((resource: any) => typeof resource.id === 'string' && typeof resource.type === 'string')).toBe(true);
    }
  });

  it('answers invalid requests with 422 JSON:API errors pointing at the attribute', async () => {
    const cases: [unknown, string][] = [
      [{ data: { type: 'hooks', attributes: { target_url: receiver.url }, relationships: { site: {} } } }, '/data/attributes/event'],
      [hook('lesson_completed'), '/data/attributes/event'],
      [hook('purchase', { resource_id: 'abc' }), '/data/attributes/resource_id'],
      [hook('purchase', { colour: 'red' }), '/data/attributes/colour'],
      [{ data: { type: 'people', attributes: { target_url: receiver.url, event: 'purchase' }, relationships: { site: {} } } }, '/data/type'],
      [{ data: { type: 'hooks', attributes: { target_url: receiver.url, event: 'purchase' } } }, '/data/relationships'],
      [{ data: { type: 'hooks', attributes: { target_url: 'ftp://example.com/x', event: 'purchase' }, relationships: { site: {} } } }, '/data/attributes/target_url'],
    ];
    for (const [body, pointer] of cases) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.contentType).toContain(JSON_API);
      expect(unprocessable422(answer.body)).toBe(true);
      expect(answer.body.errors.map((e: any) => e.source?.pointer), JSON.stringify(answer.body)).toContain(pointer);
      expect(answer.body.errors.every((e: any) => e.status === '422')).toBe(true);
    }
  });

  it('answers 401 without a valid key and 403 when the key lacks the event scope, in the seed schemas', async () => {
    const anonymous = await post(hook('purchase'), null);
    expect(anonymous.status).toBe(401);
    expect(unauthorized401(anonymous.body)).toBe(true);
    expect(anonymous.body.errors[0]).toMatchObject({ status: '401', title: 'Unauthorized' });

    // A key holding only Kajabi scopes is a Kajabi custom key: it manages hooks of the events it covers.
    const contactsOnly = await keyWithScopes(server, tenant, ['view:contacts']);
    const denied = await post(hook('purchase'), contactsOnly);
    expect(denied.status).toBe(403);
    expect(forbidden403(denied.body)).toBe(true);
    expect(denied.body.errors[0]).toMatchObject({ status: '403', title: 'Forbidden', detail: 'Missing required scope: view:purchases' });
    expect((await post(hook('tag_removed'), contactsOnly)).status).toBe(201);
    expect((await platformFetch(server, BASE, '/v1/hooks/purchase_sample', { token: contactsOnly })).status).toBe(403);
    expect((await platformFetch(server, BASE, '/v1/hooks', { token: contactsOnly })).status).toBe(200);
    const nativeOnly = await keyWithScopes(server, tenant, ['events:write']);
    expect((await post(hook('tag_added'), nativeOnly)).status).toBe(403);

    const ordersOnly = await keyWithScopes(server, tenant, ['view:orders']);
    expect((await post(hook('order_created'), ordersOnly)).status).toBe(403); // needs view:transactions too
    const both = await keyWithScopes(server, tenant, ['view:orders', 'view:transactions']);
    expect((await post(hook('order_created'), both)).status).toBe(201);
  });

  it('lists hooks with page[number], page[size] and filter[event_eq], gets and deletes them', async () => {
    const ids: string[] = [];
    for (const event of ['purchase', 'tag_added', 'purchase', 'purchase']) ids.push((await post(hook(event))).body.data.id);

    const page = await platformFetch(server, BASE, '/v1/hooks?page[number]=2&page[size]=2', { token: tenant.key });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain(JSON_API);
    expect(page.body.data.map((h: any) => h.id)).toEqual(ids.slice(2));
    expect(page.body.meta).toEqual({ total_pages: 2, total_count: 4, current_page: 2 });
    expect(page.body.links.next).toBeNull();
    expect(page.body.links.prev).toMatch(/\/compat\/kajabi\/v1\/hooks\?page\[number\]=1&page\[size\]=2$/);

    const purchases = await platformFetch(server, BASE, '/v1/hooks?filter[event_eq]=purchase', { token: tenant.key });
    expect(purchases.body.data.map((h: any) => h.id)).toEqual([ids[0], ids[2], ids[3]]);

    const one = await platformFetch(server, BASE, `/v1/hooks/${ids[1]}`, { token: tenant.key });
    expect(one.status).toBe(200);
    expect(created201(one.body)).toBe(true);
    expect((await platformFetch(server, BASE, `/v1/hooks/${ids[1]}`, { method: 'DELETE', token: tenant.key })).status).toBe(204);
    const gone = await platformFetch(server, BASE, `/v1/hooks/${ids[1]}`, { token: tenant.key });
    expect(gone.status).toBe(404);
    expect(gone.body.errors[0]).toMatchObject({ status: '404', title: 'Not Found' });
  });

  it('delivers a published purchase as { id, event, payload } with Standard Webhooks signatures', async () => {
    const created = (await post(hook('purchase'))).body.data;
    const sample = (await platformFetch(server, BASE, '/v1/hooks/purchase_sample', { token: tenant.key })).body;
    const eventId = await publishEvent(server, tenant, { type: 'kajabi:purchase', resource_id: '2001', data: { payload: sample } });

    const [request] = await receiver.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(eventId);
    const body = verifyStandardWebhook(await secretOf(server, tenant, created.id), request!);
    expect(body).toEqual({ id: '2001', event: 'purchase', payload: sample });
  });

  it('applies resource_id: the hook fires for its resource only, a wildcard hook for every one', async () => {
    const wildcard = await startReceiver();
    try {
      await post(hook('tag_added', { resource_id: '123' }));
      await post({ ...hook('tag_added'), data: { ...hook('tag_added').data, attributes: { target_url: wildcard.url, event: 'tag_added' } } });
      const sample = (await platformFetch(server, BASE, '/v1/hooks/tag_added_sample', { token: tenant.key })).body;
      const other = await publishEvent(server, tenant, { type: 'kajabi:tag_added', resource_id: '999', data: { payload: sample } });
      const tagged = await publishEvent(server, tenant, { type: 'kajabi:tag_added', resource_id: '123', data: { payload: sample } });

      const [request] = await receiver.waitFor(1);
      expect(request!.headers['webhook-id']).toBe(tagged);
      expect(JSON.parse(request!.body).id).toBe('123');
      expect((await wildcard.waitFor(2)).map((r) => r.headers['webhook-id']).sort()).toEqual([other, tagged].sort());
      expect(await deliveryCount(server, tenant, other)).toBe(1); // the wildcard hook's only
    } finally {
      await wildcard.close();
    }
  });
});
