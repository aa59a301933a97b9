import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receiver.js';
import { createTenant, type TestServer, type TestTenant } from '../support/server.js';
import { deliveryCount, keyWithScopes, platformFetch, publishEvent, secretOf, verifyStandardWebhook, usePlatformFixture } from './shared-harness.js';
import { requestSchema, responseValidator, seedOpenApi } from './shared-seeds.js';
import { describeEachStore } from '../support/stores.js';

const BASE = '/compat/timeback';
const [seed] = seedOpenApi('timeback');
const created201 = responseValidator(seed, '/webhooks/', 'post', 201);
const invalid400 = responseValidator(seed, '/webhooks/', 'post', 400);

/** The seed's example request: every property set to the example its schema gives. */
const seedExample = Object.fromEntries(
  Object.entries(requestSchema(seed, '/webhooks/', 'post').properties as Record<string, { example: unknown }>).map(([key, value]) => [key, value.example]),
);

const SENSOR = 'https://alpharead.alpha.school';

function activityEvent(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `urn:uuid:${id}`,
    eventTime: '2025-07-22T21:27:15.304Z',
    profile: 'TimebackProfile',
    type: 'ActivityEvent',
    actor: { id: 'https://api.alpha-1edtech.com/ims/oneroster/rostering/v1p2/users/u-1', type: 'TimebackUser', email: 'student@example.com' },
    action: 'Completed',
    object: { id: 'https://alpharead.alpha.school/ims/activity/context', type: 'TimebackActivityContext', subject: 'Reading', app: { name: 'PowerPath UI' } },
    generated: { id: 'https://alpharead.alpha.school/metrics/1', type: 'TimebackActivityMetricsCollection', items: [{ type: 'xpEarned', value: 100 }] },
    ...overrides,
  };
}

function envelope(sensor: string, ...events: object[]) {
  return { sensor, sendTime: '2025-07-22T21:27:15.304Z', dataVersion: 'http://purl.imsglobal.org/ctx/caliper/v1p2', data: events };
}

let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}-${Math.random().toString(16).slice(2, 8)}`;

describeEachStore('Timeback compat', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  const api = (route: string, options: Parameters<typeof platformFetch>[3] = {}) => platformFetch(server, BASE, route, { token: tenant.key, ...options });
  const createWebhook = async (body: Record<string, unknown> = {}) => {
    const answer = await api('/webhooks/', { method: 'POST', body: { name: 'Hook', description: null, targetUrl: receiver.url, secret: 'secret123', active: true, ...body } });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.webhook;
  };
  const ingest = async (body: unknown, token = tenant.key) => {
    const answer = await api('/caliper/event', { method: 'POST', body, token });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.eventIds as string[];
  };

  usePlatformFixture(store, (fixture) => ({ server, tenant, receiver } = fixture));

  describe('webhooks', () => {
    it('answers the seed example request, sent verbatim, with 201 in the seed schema', async () => {
      expect(seedExample).toMatchObject({ sensor: 'sensor123', name: 'My Webhook', targetUrl: 'https://example.com/webhook', secret: 'secret123', active: true });
      const answer = await api('/webhooks/', { method: 'POST', body: seedExample });
      expect(answer.status, answer.text).toBe(201);
      expect(created201(answer.body), JSON.stringify(created201.errors)).toBe(true);
      expect(answer.body.webhook).toMatchObject({ ...seedExample, deletedAt: null });
      expect(Date.parse(answer.body.webhook.createdAt)).not.toBeNaN();
    });

    it('takes a webhook without sensor and answers sensor null', async () => {
      const { sensor: _sensor, ...withoutSensor } = seedExample;
      const answer = await api('/webhooks/', { method: 'POST', body: withoutSensor });
      expect(answer.status).toBe(201);
      expect(created201(answer.body)).toBe(true);
      expect(answer.body.webhook.sensor).toBeNull();
    });

    it('answers missing, mistyped and unknown fields with 400 { error, details } as the seed documents', async () => {
      const cases: [Record<string, unknown>, object][] = [
        [{ ...seedExample, name: undefined }, { code: 'invalid_type', expected: 'string', received: 'undefined', path: ['name'], message: 'Required' }],
        [{ ...seedExample, description: undefined }, { code: 'invalid_type', expected: 'string | null', received: 'undefined', path: ['description'], message: 'Required' }],
        [{ ...seedExample, active: 'yes' }, { code: 'invalid_type', expected: 'boolean', received: 'string', path: ['active'] }],
        [{ ...seedExample, sensor: 42 }, { code: 'invalid_type', expected: 'string | null', received: 'number', path: ['sensor'] }],
        [{ ...seedExample, colour: 'red' }, { code: 'unrecognized_keys', received: 'colour', path: [] }],
        [{ ...seedExample, targetUrl: 'not a url' }, { path: ['targetUrl'] }],
      ];
      for (const [body, issue] of cases) {
        const answer = await api('/webhooks/', { method: 'POST', body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(invalid400(answer.body), JSON.stringify(invalid400.errors)).toBe(true);
        expect(answer.body.details).toContainEqual(expect.objectContaining(issue));
      }
      const notJson = await api('/webhooks/', { method: 'POST', body: '{"name":' });
      expect(notJson.status).toBe(400);
      const array = await api('/webhooks/', { method: 'POST', body: [] });
      expect(array.status).toBe(400);
      expect(invalid400(array.body)).toBe(true);
    });

    it('lists, gets, replaces, deactivates, activates and soft-deletes webhooks', async () => {
      const first = await createWebhook({ sensor: SENSOR });
      const second = await createWebhook({ sensor: 'https://other.example' });
      const list = await api('/webhooks/');
      expect(list.status).toBe(200);
      expect(list.body.webhooks.map((w: any) => w.id)).toEqual([first.id, second.id]);
      expect((await api(`/webhooks/?sensor=${encodeURIComponent(SENSOR)}`)).body.webhooks.map((w: any) => w.id)).toEqual([first.id]);

      const got = await api(`/webhooks/${first.id}`);
      expect(got.status).toBe(200);
      expect(created201(got.body)).toBe(true);
      expect(got.body.webhook).toEqual(first);

      const replaced = await api(`/webhooks/${first.id}`, {
        method: 'PUT',
        body: { sensor: null, name: 'Renamed', description: 'now', targetUrl: receiver.url, secret: 'another', active: true },
      });
      expect(replaced.status, replaced.text).toBe(200);
      expect(replaced.body.webhook).toMatchObject({ id: first.id, sensor: null, name: 'Renamed', description: 'now', secret: 'another', active: true });
      const incomplete = await api(`/webhooks/${first.id}`, { method: 'PUT', body: { name: 'only a name' } });
      expect(incomplete.status).toBe(400);
      expect(invalid400(incomplete.body)).toBe(true);

      expect((await api(`/webhooks/${first.id}/deactivate`, { method: 'PUT' })).body.webhook.active).toBe(false);
      expect((await api(`/webhooks/${first.id}/activate`, { method: 'PUT' })).body.webhook.active).toBe(true);

      const deleted = await api(`/webhooks/${first.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ status: 'success', message: '', errors: null });
      const gone = await api(`/webhooks/${first.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({ status: 'error', message: 'Webhook not found', errors: null });
      expect((await api('/webhooks/')).body.webhooks.map((w: any) => w.id)).toEqual([second.id]);
      expect((await api(`/webhooks/${first.id}`, { method: 'DELETE' })).status).toBe(404);
    });

    it('keeps each tenant to its own webhooks', async () => {
      const mine = await createWebhook();
      const other = await createTenant(server);
      const answer = await platformFetch(server, BASE, `/webhooks/${mine.id}`, { token: other.key });
      expect(answer.status).toBe(404);
    });
  });

  describe('credentials', () => {
    it('refuses a request without credentials with 401 before looking at the body', async () => {
      const answer = await platformFetch(server, BASE, '/webhooks/', { method: 'POST', body: {} });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: 'Unauthorized' });
    });

    it('judges keys that hold Timeback scopes by them', async () => {
      const reader = await keyWithScopes(server, tenant, ['webhook.readonly']);
      const writer = await keyWithScopes(server, tenant, ['webhook.create']);
      const sender = await keyWithScopes(server, tenant, ['event.create']);
      const body = { ...seedExample, targetUrl: receiver.url };
      expect((await api('/webhooks/', { method: 'POST', body, token: reader })).status).toBe(403);
      expect((await api('/webhooks/', { method: 'POST', body, token: sender })).status).toBe(403);
      const created = await api('/webhooks/', { method: 'POST', body, token: writer });
      expect(created.status).toBe(201);
      // Timeback's admin scope is the admin credential, which names its tenant in Hookpost-Tenant.
      const asAdmin = await api('/webhooks/', { method: 'POST', body, token: server.adminToken, headers: { 'hookpost-tenant': tenant.id } });
      expect(asAdmin.status).toBe(201);
      expect((await api('/webhooks/', { token: reader })).body.webhooks).toHaveLength(2);
      expect((await api(`/webhooks/${created.body.webhook.id}`, { method: 'DELETE', token: reader })).body).toEqual({ error: 'Forbidden' });

      const events = envelope(SENSOR, activityEvent(uuid()));
      expect((await api('/caliper/event', { method: 'POST', body: events, token: writer })).status).toBe(403);
      expect((await api('/caliper/event', { method: 'POST', body: events, token: sender })).status).toBe(200);
    });
  });

  describe('Caliper ingest and delivery', () => {
    it('delivers an ingested Caliper event to the webhook as a Caliper envelope with a verifiable signature', async () => {
      const webhook = await createWebhook({ sensor: SENSOR, secret: 'my-shared-secret' });
      const sender = await keyWithScopes(server, tenant, ['event.create']);
      const event = activityEvent(uuid());
      const [eventId] = await ingest(envelope(SENSOR, event), sender);
      expect(eventId).toBe(event.id);

      const [request] = await receiver.waitFor(1);
      const headers = request!.headers as Record<string, string>;
      const expected = `sha256=${createHmac('sha256', 'my-shared-secret').update(request!.body).digest('hex')}`;
      expect(headers['x-webhook-signature']).toBe(expected);
      expect(headers['x-webhook-id']).toBe(webhook.id);
      expect(headers['x-webhook-event-id']).toBe(event.id);
      const body = JSON.parse(request!.body);
      expect(body).toEqual({ sensor: SENSOR, sendTime: expect.any(String), dataVersion: 'http://purl.imsglobal.org/ctx/caliper/v1p2', data: [event] });
      expect(Date.parse(body.sendTime)).not.toBeNaN();
      // The Standard Webhooks headers come along, signed with the subscription's own key.
      expect(verifyStandardWebhook(await secretOf(server, tenant, webhook.id), request!)).toEqual(body);
    });

    it('publishes a re-sent Caliper event once', async () => {
      await createWebhook();
      const event = activityEvent(uuid());
      await ingest(envelope(SENSOR, event));
      const again = await api('/caliper/event', { method: 'POST', body: envelope(SENSOR, event) });
      expect(again.body.message).toContain('1 already received');
      await receiver.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.requests).toHaveLength(1);
    });

    it('refuses an envelope with an unknown, invalid or untyped event, publishing none of its events', async () => {
      await createWebhook();
      const good = activityEvent(uuid());
      const cases: [unknown, string][] = [
        [envelope(SENSOR, good, { ...activityEvent(uuid()), type: 'MadeUpEvent' }), '/data/1/type'],
        [envelope(SENSOR, good, { ...activityEvent(uuid()), actor: undefined }), '/data/1/actor'],
        [{ sensor: SENSOR, data: [good] }, '/sendTime'],
        [{ ...envelope(SENSOR, good), data: [] }, '/data'],
      ];
      for (const [body, pointer] of cases) {
        const answer = await api('/caliper/event', { method: 'POST', body });
        expect(answer.status, answer.text).toBe(400);
        expect(answer.body).toMatchObject({ status: 'error', message: expect.any(String) });
        expect(answer.body.errors.map((issue: any) => `/${issue.path.join('/')}`)).toContain(pointer);
      }
      expect((await api('/caliper/event/validate', { method: 'POST', body: envelope(SENSOR, good) })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.requests).toHaveLength(0);
    });

    it('reports an event without id once, at its id', async () => {
      const { id: _id, ...anonymous } = activityEvent(uuid());
      const answer = await api('/caliper/event', { method: 'POST', body: envelope(SENSOR, activityEvent(uuid()), anonymous) });
      expect(answer.status, answer.text).toBe(400);
      const paths = answer.body.errors.map((issue: any) => `/${issue.path.join('/')}`);
      expect(paths.filter((path: string) => path === '/data/1/id')).toHaveLength(1);
      expect(paths).toEqual([...new Set(paths)]);
    });

    it("delivers only the events of the webhook's sensor; a webhook without sensor gets every sensor's", async () => {
      const scoped = await createWebhook({ sensor: SENSOR });
      const [fromSensor] = await ingest(envelope(SENSOR, activityEvent(uuid())));
      const [fromOther] = await ingest(envelope('https://other.example', activityEvent(uuid())));
      expect(await deliveryCount(server, tenant, fromSensor!)).toBe(1);
      expect(await deliveryCount(server, tenant, fromOther!)).toBe(0);
      await createWebhook({ sensor: null });
      const [later] = await ingest(envelope('https://other.example', activityEvent(uuid())));
      expect(await deliveryCount(server, tenant, later!)).toBe(1);
      expect(scoped.sensor).toBe(SENSOR);
    });

    it('reaches Timeback webhooks from the native API, with the sensor as resource_id', async () => {
      await createWebhook({ sensor: SENSOR });
      const event = activityEvent(uuid());
      const eventId = await publishEvent(server, tenant, { type: 'timeback:ActivityEvent', data: event, resource_id: SENSOR });
      const [request] = await receiver.waitFor(1);
      expect(JSON.parse(request!.body)).toMatchObject({ sensor: SENSOR, data: [event] });
      expect(request!.headers['x-webhook-event-id']).toBe(eventId);
    });
  });

  describe('webhook filters', () => {
    const filterBody = (webhookId: string, overrides: Record<string, unknown> = {}) => ({
      webhookId,
      filterKey: 'type',
      filterValue: 'ActivityEvent',
      filterType: 'string',
      filterOperation: 'eq',
      active: true,
      ...overrides,
    });

    it('creates, lists, gets, replaces and soft-deletes filters', async () => {
      const webhook = await createWebhook();
      const created = await api('/webhook-filters/', { method: 'POST', body: filterBody(webhook.id) });
      expect(created.status, created.text).toBe(201);
      const filter = created.body.filter;
      expect(filter).toEqual({
        id: expect.any(String),
        webhookId: webhook.id,
        filterKey: 'type',
        filterValue: 'ActivityEvent',
        filterType: 'string',
        filterOperation: 'eq',
        active: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        deletedAt: null,
      });
      expect((await api('/webhook-filters/')).body.filters).toEqual([filter]);
      expect((await api(`/webhook-filters/webhook/${webhook.id}`)).body.filters).toEqual([filter]);
      expect((await api(`/webhook-filters/${filter.id}`)).body.filter).toEqual(filter);

      const replaced = await api(`/webhook-filters/${filter.id}`, { method: 'PUT', body: filterBody(webhook.id, { filterValue: 'TimeSpentEvent' }) });
      expect(replaced.status).toBe(200);
      expect(replaced.body.filter).toMatchObject({ id: filter.id, filterValue: 'TimeSpentEvent' });

      const deleted = await api(`/webhook-filters/${filter.id}`, { method: 'DELETE' });
      expect(deleted.body).toEqual({ status: 'success', message: '', errors: null });
      expect((await api(`/webhook-filters/${filter.id}`)).status).toBe(404);
      expect((await api('/webhook-filters/')).body.filters).toEqual([]);
    });

    it('takes filterOperator (the Python client spelling) for filterOperation', async () => {
      const webhook = await createWebhook();
      const { filterOperation: _op, ...body } = filterBody(webhook.id);
      const created = await api('/webhook-filters/', { method: 'POST', body: { ...body, filterOperator: 'neq' } });
      expect(created.status, created.text).toBe(201);
      expect(created.body.filter.filterOperation).toBe('neq');
    });

    it('answers bad filters with 400 { status, message, errors }', async () => {
      const webhook = await createWebhook();
      const cases: Record<string, unknown>[] = [
        filterBody(webhook.id, { filterOperation: 'like' }),
        filterBody(webhook.id, { filterOperation: undefined }),
        filterBody(webhook.id, { filterType: 'number', filterValue: 'ten' }),
        filterBody(webhook.id, { filterOperation: 'regexp', filterValue: '(unclosed' }),
        filterBody(webhook.id, { filterKey: 'bad key!' }),
        filterBody('sub_missing'),
      ];
      for (const body of cases) {
        const answer = await api('/webhook-filters/', { method: 'POST', body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body).toMatchObject({ status: 'error', message: expect.any(String), errors: expect.any(Array) });
      }
    });

    // Each operation: the first event matches the filter, the second does not.
    const operations: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
      ['eq', { filterKey: 'action', filterValue: 'Completed' }, {}, { action: 'Started' }],
      ['neq', { filterKey: 'action', filterValue: 'Started' }, {}, { action: 'Started' }],
      ['gt', { filterKey: 'generated.items.0.value', filterValue: '50', filterType: 'number' }, {}, { generated: { id: 'g', type: 'T', items: [{ type: 'xpEarned', value: 10 }] } }],
      ['gte', { filterKey: 'generated.items.0.value', filterValue: '100', filterType: 'number' }, {}, { generated: { id: 'g', type: 'T', items: [{ type: 'xpEarned', value: 99 }] } }],
      ['lt', { filterKey: 'generated.items.0.value', filterValue: '101', filterType: 'number' }, {}, { generated: { id: 'g', type: 'T', items: [{ type: 'xpEarned', value: 101 }] } }],
      ['lte', { filterKey: 'generated.items.0.value', filterValue: '100', filterType: 'number' }, {}, { generated: { id: 'g', type: 'T', items: [{ type: 'xpEarned', value: 101 }] } }],
      ['contains', { filterKey: 'actor.email', filterValue: '@example.com' }, {}, { actor: { id: 'x', type: 'TimebackUser', email: 'a@school.org' } }],
      ['notContains', { filterKey: 'actor.email', filterValue: '@school.org' }, {}, { actor: { id: 'x', type: 'TimebackUser', email: 'a@school.org' } }],
      ['in', { filterKey: 'object.subject', filterValue: 'Math, Reading' }, {}, { object: { id: 'o', type: 'TimebackActivityContext', subject: 'Science' } }],
      ['notIn', { filterKey: 'object.subject', filterValue: 'Math,Science' }, {}, { object: { id: 'o', type: 'TimebackActivityContext', subject: 'Science' } }],
      ['startsWith', { filterKey: 'actor.id', filterValue: 'https://api.alpha-1edtech.com/' }, {}, { actor: { id: 'https://elsewhere/u', type: 'TimebackUser' } }],
      ['endsWith', { filterKey: 'object.id', filterValue: '/activity/context' }, {}, { object: { id: 'https://x/other', type: 'TimebackActivityContext' } }],
      ['regexp', { filterKey: 'actor.email', filterValue: '^[a-z]+@example\\.com$' }, {}, { actor: { id: 'x', type: 'TimebackUser', email: 'Student1@example.com' } }],
      ['eq (boolean)', { filterKey: 'extensions.graded', filterValue: 'true', filterType: 'boolean' }, { extensions: { graded: true } }, { extensions: { graded: false } }],
      ['eq (sensor)', { filterKey: 'sensor', filterValue: SENSOR }, {}, {}],
    ];
    for (const [name, filter, matching, other] of operations) {
      it(`applies ${name}: a matching event is delivered, a non-matching one is not`, async () => {
        const webhook = await createWebhook();
        const operation = name.split(' ')[0]!;
        const created = await api('/webhook-filters/', { method: 'POST', body: filterBody(webhook.id, { filterOperation: operation, ...filter }) });
        expect(created.status, created.text).toBe(201);
        const otherSensor = name === 'eq (sensor)' ? 'https://other.example' : SENSOR;
        const [yes] = await ingest(envelope(SENSOR, activityEvent(uuid(), matching)));
        const [no] = await ingest(envelope(otherSensor, activityEvent(uuid(), other)));
        expect(await deliveryCount(server, tenant, yes!)).toBe(1);
        expect(await deliveryCount(server, tenant, no!)).toBe(0);
      });
    }

    it('applies only active, undeleted filters, all of them together', async () => {
      const webhook = await createWebhook();
      const post = (body: object) => api('/webhook-filters/', { method: 'POST', body });
      await post(filterBody(webhook.id, { filterKey: 'action', filterValue: 'Completed' }));
      const inactive = await post(filterBody(webhook.id, { filterKey: 'action', filterValue: 'Never', active: false }));
      const both = await ingest(envelope(SENSOR, activityEvent(uuid()), activityEvent(uuid(), { action: 'Started' })));
      expect([await deliveryCount(server, tenant, both[0]!), await deliveryCount(server, tenant, both[1]!)]).toEqual([1, 0]);

      await api(`/webhook-filters/${inactive.body.filter.id}`, { method: 'PUT', body: filterBody(webhook.id, { filterKey: 'action', filterValue: 'Never', active: true }) });
      const [blocked] = await ingest(envelope(SENSOR, activityEvent(uuid())));
      expect(await deliveryCount(server, tenant, blocked!)).toBe(0);

      await api(`/webhook-filters/${inactive.body.filter.id}`, { method: 'DELETE' });
      const [open] = await ingest(envelope(SENSOR, activityEvent(uuid())));
      expect(await deliveryCount(server, tenant, open!)).toBe(1);
    });
  });
});
