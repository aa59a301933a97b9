import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Operational events (issue 11): Hookpost publishes what happens to a tenant's subscriptions into
// that tenant's own stream, as event types it can subscribe to like any other.
const OPERATIONAL_TYPES = ['subscription.disabled', 'subscription.circuit_opened', 'subscription.circuit_closed', 'delivery.exhausted'];

describeEachStore('operational events', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let monitor: Receiver;
  let endpoint: Receiver;
  let answer: 'fail' | 'ok' | 'gone';

  beforeAll(async () => {
    // Two failures in a row open a circuit for a second; the instance retries only after 10 minutes.
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { HOOKPOST_RETRY_SCHEDULE: '0,10m', HOOKPOST_CIRCUIT_FAILURES: '2', HOOKPOST_CIRCUIT_COOLDOWN: '1s' },
    });
    await defineEventType(server, 'ops.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    answer = 'fail';
    monitor = await startReceiver();
    endpoint = await startReceiver(() => ({ status: answer === 'ok' ? 200 : answer === 'gone' ? 410 : 500 }));
  });
  afterEach(async () => {
    await monitor.close();
    await endpoint.close();
  });

  const eventsOfTenant = async () =>
    (await call(server, 'GET', `/v1/tenants/${tenant.id}/events?limit=100`, { token: tenant.key })).body.data.map((e: any) => e.type).sort();

  it('lists the operational types in the catalog, with a schema and an example', async () => {
    for (const name of OPERATIONAL_TYPES) {
      const type = await call(server, 'GET', `/v1/event-types/${name}`, { token: tenant.key });
      expect(type.status, name).toBe(200);
      expect(type.body.schema, name).toMatchObject({ type: 'object' });
      expect(type.body.example, name).toHaveProperty('subscription_id');
    }
  });

  it('sends a subscribed tenant, signed, every change of its subscriptions: exhausted, circuit opened and closed, disabled', async () => {
    const watcher = await subscribe(server, tenant, { url: monitor.url, event_types: OPERATIONAL_TYPES });
    // "*" means the tenant's own events: operational ones go only where their type is named.
    const everything = await startReceiver();
    await subscribe(server, tenant, { url: everything.url, event_types: ['*'] });
    const watched = await subscribe(server, tenant, { url: endpoint.url, event_types: ['ops.ping'], retry_policy: { max_attempts: 1 } });

    // Two deliveries fail for good: each is exhausted, and together they open the circuit.
    const first = await publish(server, tenant, { type: 'ops.ping', data: { n: 1 } });
    await publish(server, tenant, { type: 'ops.ping', data: { n: 2 } });
    await monitor.waitFor(3, 20_000);
    // The endpoint recovers: the next delivery is the probe after the cooldown, and closes the circuit.
    answer = 'ok';
    await publish(server, tenant, { type: 'ops.ping', data: { n: 3 } });
    await monitor.waitFor(4, 20_000);
    // 410 Gone: that delivery is exhausted and the subscription disabled.
    answer = 'gone';
    await publish(server, tenant, { type: 'ops.ping', data: { n: 4 } });
    const received = await monitor.waitFor(6, 20_000);

    const verifier = new Webhook(watcher.secret);
    const events = received.map((request) => {
      const verified = verifier.verify(request.body, {
        'webhook-id': request.headers['webhook-id'] as string,
        'webhook-timestamp': request.headers['webhook-timestamp'] as string,
        'webhook-signature': request.headers['webhook-signature'] as string,
      }) as { type: string; data: Record<string, unknown> };
      return verified;
    });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'delivery.exhausted')).toHaveLength(3);
    expect(types.filter((t) => t === 'subscription.circuit_opened')).toHaveLength(1);
    expect(types.filter((t) => t === 'subscription.circuit_closed')).toHaveLength(1);
    expect(types.filter((t) => t === 'subscription.disabled')).toHaveLength(1);
    expect(types.indexOf('subscription.circuit_opened')).toBeLessThan(types.indexOf('subscription.circuit_closed'));
    for (const event of events) expect(event.data.subscription_id).toBe(watched.id);
    const exhausted = events.find((e) => e.type === 'delivery.exhausted' && e.data.event_id === first.body.id);
    expect(exhausted?.data).toMatchObject({ event_type: 'ops.ping', attempts: 1, last_status_code: 500 });
    expect(events.find((e) => e.type === 'subscription.disabled')?.data.reason).toMatch(/410/);
    expect(events.find((e) => e.type === 'subscription.circuit_opened')?.data).toMatchObject({ consecutive_failures: 2 });
    expect(everything.requests.map((r) => JSON.parse(r.body).type)).toEqual(['ops.ping', 'ops.ping', 'ops.ping', 'ops.ping']);
    await everything.close();
  });

  it('never cascades: an endpoint that fails the operational events about itself raises no more of them', async () => {
    // One subscription receives both the ordinary events and the operational ones, and fails them all.
    const looping = await subscribe(server, tenant, { url: endpoint.url, event_types: ['ops.ping', ...OPERATIONAL_TYPES], retry_policy: { max_attempts: 1 } });
    await publish(server, tenant, { type: 'ops.ping', data: {} });
    // ops.ping is exhausted (one operational event); that event fails too, which opens the circuit
    // (a second one); its delivery waits, goes as a probe after the cooldown, fails, and reopens it.
    await endpoint.waitFor(3, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await eventsOfTenant()).toEqual(['delivery.exhausted', 'ops.ping', 'subscription.circuit_opened']);
    const health = (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${looping.id}/health`, { token: tenant.key })).body;
    expect(health).toMatchObject({ circuit: 'open', consecutive_failures: 3 });
  });
});
