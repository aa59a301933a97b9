import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Copied from src/core/operational-events.ts (OPERATIONAL_EVENT_TYPES).
const OPERATIONAL_TYPES = ['delivery.exhausted', 'subscription.circuit_closed', 'subscription.circuit_opened', 'subscription.disabled'];

// The operator's event types and the platform doors' catalogs live in separate namespaces: the
// operator's names are bare (`order.created`), a door's are `<platform>:<name>`.

const orderSchema = {
  type: 'object',
  required: ['order_ref', 'amount_cents'],
  properties: { order_ref: { type: 'string' }, amount_cents: { type: 'integer' } },
  additionalProperties: false,
};
const enrollmentSchema = {
  type: 'object',
  required: ['student_id', 'course_id'],
  properties: { student_id: { type: 'string' }, course_id: { type: 'string' } },
};

describeEachStore('event type namespaces', (store) => {
  let databaseUrl: string;
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    databaseUrl = await store.freshDatabaseUrl();
    server = await startServer({ databaseUrl });
    tenant = await createTenant(server);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it("lets the operator define names a platform also uses, with the operator's own schemas", async () => {
    for (const [name, schema] of [['order.created', orderSchema], ['enrollment.created', enrollmentSchema], ['purchase', orderSchema], ['ORDER_PLACED', orderSchema]] as const) {
      const defined = await call(server, 'POST', '/v1/event-types', { token: server.adminToken, body: { name, schema } });
      expect(defined.status, `${name}: ${JSON.stringify(defined.body)}`).toBe(201);
      expect((await call(server, 'GET', `/v1/event-types/${name}`, { token: server.adminToken })).body.schema).toEqual(schema);
    }
    const listed = await call(server, 'GET', '/v1/event-types', { token: server.adminToken });
    // Beside the operator's types, the catalog holds Hookpost's own operational event types.
    expect(listed.body.data.map((type: any) => type.name).sort()).toEqual(
      ['ORDER_PLACED', 'enrollment.created', 'order.created', 'purchase', ...OPERATIONAL_TYPES].sort(),
    );
  });

  it("keeps the platform's own definition under its qualified name, and refuses that prefix to the operator", async () => {
    const thinkific = await call(server, 'GET', '/v1/event-types/thinkific:order.created', { token: server.adminToken });
    expect(thinkific.status).toBe(200);
    expect(thinkific.body.schema).not.toEqual(orderSchema);
    const taken = await call(server, 'POST', '/v1/event-types', { token: server.adminToken, body: { name: 'thinkific:order.created', schema: orderSchema } });
    expect(taken.status).toBe(422);
    expect(taken.body.error.details[0]).toMatchObject({ pointer: '/name', reason: 'reserved_namespace' });
    const patched = await call(server, 'PATCH', '/v1/event-types/kajabi:purchase', { token: server.adminToken, body: { description: 'mine' } });
    expect(patched.status).toBe(422);
    // A prefix that names no platform is an ordinary native name.
    expect((await call(server, 'POST', '/v1/event-types', { token: server.adminToken, body: { name: 'billing:invoice.paid' } })).status).toBe(201);
  });

  it('routes a bare name to native subscriptions and a qualified one to the platform\'s webhooks, each in its own envelope', async () => {
    const native = await subscribe(server, tenant, { url: `${receiver.url}/native`, event_types: ['order.created'] });
    const webhook = await call(server, 'POST', '/compat/thinkific/api/v2/webhooks', {
      token: tenant.key,
      body: { topic: 'order.created', target_url: `${receiver.url}/thinkific` },
    });
    expect(webhook.status).toBe(201);
    expect(webhook.body.topic).toBe('order.created');

    const mine = await publish(server, tenant, { type: 'order.created', data: { order_ref: 'A-1', amount_cents: 4900 } });
    expect(mine.status, JSON.stringify(mine.body)).toBe(202);
    const example = (await call(server, 'GET', '/v1/event-types/thinkific:order.created', { token: tenant.key })).body.example;
    const theirs = await publish(server, tenant, { type: 'thinkific:order.created', data: example });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(202);
    // The operator's schema applies to the bare name, Thinkific's to the qualified one.
    expect((await publish(server, tenant, { type: 'order.created', data: example })).status).toBe(422);

    const received = await receiver.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing else may arrive
    expect(receiver.requests).toHaveLength(2);
    const nativeRequest = received.find((request) => request.path.endsWith('/native'))!;
    const thinkificRequest = received.find((request) => request.path.endsWith('/thinkific'))!;
    const nativeBody = new Webhook(native.secret).verify(nativeRequest.body, nativeRequest.headers as Record<string, string>) as any;
    expect(nativeBody).toMatchObject({ type: 'order.created', data: { order_ref: 'A-1' } });
    expect(nativeRequest.headers['webhook-id']).toBe(mine.body.id);
    expect(JSON.parse(thinkificRequest.body)).toMatchObject({ id: theirs.body.id, resource: 'order', action: 'created', payload: example });
    expect(thinkificRequest.headers['x-thinkific-topic']).toBe('order.created');

    const event = await call(server, 'GET', `/v1/tenants/${tenant.id}/events/${theirs.body.id}`, { token: tenant.key });
    expect(event.body.type).toBe('thinkific:order.created');
    const viaDoor = await call(server, 'GET', `/compat/thinkific/api/v2/events/${theirs.body.id}`, { token: tenant.key });
    expect(viaDoor.body).toMatchObject({ resource: 'order', action: 'created' });
  });

  it("never changes an operator's definition on restart", async () => {
    await server.close();
    server = await startServer({ databaseUrl, env: { HOOKPOST_DATA_DIR: server.dataDir } });
    for (const [name, schema] of [['order.created', orderSchema], ['enrollment.created', enrollmentSchema], ['purchase', orderSchema]] as const) {
      const kept = await call(server, 'GET', `/v1/event-types/${name}`, { token: server.adminToken });
      expect(kept.body.schema, name).toEqual(schema);
    }
    const published = await publish(server, tenant, { type: 'enrollment.created', data: { student_id: 's', course_id: 'c' } });
    expect(published.status).toBe(202);
  });
});

describe('HOOKPOST_PLATFORMS', () => {
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    server = await startServer({ env: { HOOKPOST_PLATFORMS: 'kajabi,svix' } });
    tenant = await createTenant(server);
  });
  afterAll(() => server.close());

  it('serves the doors it names, and a door that is off answers 404 and registers nothing', async () => {
    expect((await call(server, 'GET', '/compat/kajabi/v1/hooks', { token: tenant.key })).status).toBe(200);
    for (const route of ['/compat/thinkific/api/v2/webhooks', '/compat/schoolmaker/api/v1/webhooks', '/compat/fourthwall/open-api/v1.0/webhooks', '/compat/timeback/webhooks/']) {
      expect((await call(server, 'GET', route, { token: tenant.key })).status, route).toBe(404);
    }
    expect((await call(server, 'GET', '/v1/event-types/kajabi:purchase', { token: tenant.key })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/event-types/thinkific:order.created', { token: tenant.key })).status).toBe(404);
    const unknown = await publish(server, tenant, { type: 'thinkific:order.created', data: {} });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_event_type');
  });

  it('serves no door with `none`', async () => {
    const bare = await startServer({ env: { HOOKPOST_PLATFORMS: 'none' } });
    try {
      const own = await createTenant(bare);
      expect((await call(bare, 'GET', '/compat/kajabi/v1/hooks', { token: own.key })).status).toBe(404);
      expect((await call(bare, 'GET', '/v1/event-types/kajabi:purchase', { token: own.key })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
