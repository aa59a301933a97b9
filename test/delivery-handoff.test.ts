import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterEnv } from './support/cluster.js';
import { freePort } from './support/ports.js';
import { spawnHookpost, type RoleProcess } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// A publish hands the deliveries the engine of its own process can send at once straight to it
// (service/handoff.ts): written leased, sent without a claim. What goes which way is counted by
// hookpost_deliveries_taken_total{path}. The poll interval is 30 s, so nothing here waits for it.
// (A handed-off delivery to an open circuit is handed back and waits for the probe: the circuit
// breaker's own test, endpoint-health.test.ts, publishes exactly such deliveries.)

const TAKEN = 'hookpost_deliveries_taken_total';

/** The counter's value for one path on a /metrics page (0 when it has no sample yet). */
function taken(metrics: string, path: 'claim' | 'handoff'): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${TAKEN}{path="${path}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** How many deliveries the server's engine took each way so far. */
async function countsOf(server: TestServer): Promise<{ handoff: number; claim: number }> {
  const metrics = String((await call(server, 'GET', '/metrics')).body);
  return { handoff: taken(metrics, 'handoff'), claim: taken(metrics, 'claim') };
}

describeEachStore('the hand-off of fresh deliveries to the engine of the same process', (store) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  describe('with the default room', () => {
    let server: TestServer;
    let tenant: TestTenant;
    const counts = () => countsOf(server);

    beforeAll(async () => {
      server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_POLL_INTERVAL: '30s' } });
      await defineEventType(server, 'order.created');
    });
    afterAll(() => server.close());
    beforeEach(async () => {
      tenant = await createTenant(server);
    });

    it("sends a publish's deliveries without a claim", async () => {
      const before = await counts();
      for (let i = 0; i < 2; i += 1) await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'] });
      for (let n = 0; n < 3; n += 1) expect((await publish(server, tenant, { type: 'order.created', data: { n } })).status).toBe(202);
      await receiver.waitFor(6);
      expect(await counts()).toEqual({ handoff: before.handoff + 6, claim: before.claim });
    });

    it('leaves ordered, rate-limited and capped subscriptions to the claim', async () => {
      const before = await counts();
      await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'], ordering: 'key' });
      await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'], rate_limit_per_second: 100 });
      await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'], max_in_flight: 2 });
      expect((await publish(server, tenant, { type: 'order.created', data: { n: 1 }, ordering_key: 'k' })).status).toBe(202);
      await receiver.waitFor(3);
      expect(await eventually(async () => ((await counts()).claim === before.claim + 3 ? counts() : undefined), 10_000, 'three claimed')).toEqual({
        handoff: before.handoff,
        claim: before.claim + 3,
      });
    });
  });

  describe('with room for one delivery (HOOKPOST_DELIVERY_CONCURRENCY=1, a claim of up to 3)', () => {
    let server: TestServer;
    let tenant: TestTenant;
    const counts = () => countsOf(server);
    const succeeded = (eventId: string) =>
      eventually(async () => {
        const { body } = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key });
        return body.data[0]?.status === 'succeeded' ? true : undefined;
      }, 10_000, `the delivery of ${eventId} to succeed`);

    beforeAll(async () => {
      server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_POLL_INTERVAL: '30s', HOOKPOST_DELIVERY_CONCURRENCY: '1', HOOKPOST_CLAIM_BATCH_SIZE: '3' } });
      await defineEventType(server, 'order.created');
    });
    afterAll(() => server.close());
    beforeEach(async () => {
      tenant = await createTenant(server);
      await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'] });
    });

    it("hands off a batch past the engine's window: five events to one subscription, none claimed", async () => {
      const before = await counts();
      const batch = await call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, {
        token: tenant.key,
        body: { events: Array.from({ length: 5 }, (_, n) => ({ type: 'order.created', data: { n } })) },
      });
      expect(batch.status).toBe(200);
      await receiver.waitFor(5);
      expect(await eventually(async () => ((await counts()).handoff === before.handoff + 5 ? counts() : undefined), 10_000, 'five handed off')).toEqual({
        handoff: before.handoff + 5,
        claim: before.claim,
      });
      expect(receiver.requests.map((request) => JSON.parse(request.body).data.n).sort()).toEqual([0, 1, 2, 3, 4]);
    });

    it('hands off a fan-out wider than a claim past that room: one event to five subscriptions, none claimed', async () => {
      const before = await counts();
      for (let i = 0; i < 4; i += 1) await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'] });
      expect((await publish(server, tenant, { type: 'order.created', data: { n: 1 } })).status).toBe(202);
      await receiver.waitFor(5);
      expect(await eventually(async () => ((await counts()).handoff === before.handoff + 5 ? counts() : undefined), 10_000, 'five handed off')).toEqual({
        handoff: before.handoff + 5,
        claim: before.claim,
      });
      expect(receiver.requests).toHaveLength(5);
    });

    it('gives the room of a repeated event id back: the next publish is handed off too', async () => {
      const before = await counts();
      const first = await publish(server, tenant, { id: 'evt_handoff_repeat', type: 'order.created', data: { n: 1 } });
      await succeeded(first.body.id);
      const repeated = await publish(server, tenant, { id: 'evt_handoff_repeat', type: 'order.created', data: { n: 1 } });
      expect(repeated.body.id).toBe(first.body.id);
      const next = await publish(server, tenant, { type: 'order.created', data: { n: 2 } });
      await succeeded(next.body.id);
      expect(receiver.requests).toHaveLength(2);
      expect(await counts()).toEqual({ handoff: before.handoff + 2, claim: before.claim });
    });
  });

  describe('`serve`, the engine on its own thread', () => {
    let serve: RoleProcess;
    let adminToken: string;
    beforeAll(async () => {
      const env = clusterEnv(await store.freshDatabaseUrl(), { HOOKPOST_POLL_INTERVAL: '30s' });
      adminToken = env.HOOKPOST_ADMIN_TOKEN!;
      serve = await spawnHookpost('serve', env);
    }, 90_000);
    afterAll(() => serve.kill('SIGTERM'));

    it('hands the API thread’s publishes to the delivery thread', async () => {
      const server = { url: serve.url, adminToken } as TestServer;
      await defineEventType(server, 'order.created');
      const tenant = await createTenant(server);
      await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'] });
      for (let n = 0; n < 3; n += 1) expect((await publish(server, tenant, { type: 'order.created', data: { n } })).status).toBe(202);
      await receiver.waitFor(3);
      // The thread reports its metrics to the API thread every second.
      expect(await eventually(async () => ((await serve.metric(`${TAKEN}{path="handoff"}`)) === 3 ? true : undefined), 10_000, 'three handed off')).toBe(true);
      expect(await serve.metric(`${TAKEN}{path="claim"}`)).toBe(0);
    }, 60_000);

    it("sends the delivery thread's next delivery with the subscription as the API thread edited it: URL, headers, secret", async () => {
      const server = { url: serve.url, adminToken } as TestServer;
      await defineEventType(server, 'order.edited');
      const tenant = await createTenant(server);
      const moved = await startReceiver();
      try {
        const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['order.edited'] });
        const path = `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`;
        expect((await publish(server, tenant, { type: 'order.edited', data: { n: 1 } })).status).toBe(202);
        await receiver.waitFor(1);
        expect((await call(server, 'PATCH', path, { token: tenant.key, body: { url: moved.url, headers: { 'x-team': 'blue' } } })).status).toBe(200);
        expect((await publish(server, tenant, { type: 'order.edited', data: { n: 2 } })).status).toBe(202);
        const [edited] = await moved.waitFor(1);
        expect(edited!.headers['x-team']).toBe('blue');
        const rotated = await call(server, 'POST', `${path}/rotate-secret`, { token: tenant.key, body: { grace_period_seconds: 0 } });
        expect(rotated.status).toBe(200);
        expect((await publish(server, tenant, { type: 'order.edited', data: { n: 3 } })).status).toBe(202);
        const [, signed] = await moved.waitFor(2);
        expect(new Webhook(rotated.body.secret).verify(signed!.body, signed!.headers as Record<string, string>)).toMatchObject({ data: { n: 3 } });
        expect(() => new Webhook(subscription.secret).verify(signed!.body, signed!.headers as Record<string, string>)).toThrow();
        expect(receiver.requests).toHaveLength(1);
      } finally {
        await moved.close();
      }
    }, 60_000);

    it("writes a hanging endpoint's new deliveries pending, for the claim, once the delivery thread finds it stuck", async () => {
      const server = { url: serve.url, adminToken } as TestServer;
      await defineEventType(server, 'order.stuck');
      const tenant = await createTenant(server);
      const hanging = await startReceiver(() => ({ hang: true }));
      try {
        await subscribe(server, tenant, { url: hanging.url, event_types: ['order.stuck'] });
        const statusOf = async (eventId: string) =>
          (await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key })).body.data[0]?.status as string;
        // Past its share (twice HOOKPOST_ENDPOINT_CONCURRENCY, 32): 32 sending and never answered,
        // the rest handed off and waiting on the thread, so no claim may take more of it for now.
        const batch = await call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, {
          token: tenant.key,
          body: { events: Array.from({ length: 70 }, (_, n) => ({ type: 'order.stuck', data: { n } })) },
        });
        expect(batch.status).toBe(200);
        await hanging.waitFor(32);
        // Handed off, a delivery is written leased to the engine: in flight at once.
        expect(await statusOf(batch.body.data[69].id)).toBe('in_flight');
        // Within a sweep or two (a second apart) the thread reports the subscription stuck, and a
        // publish then writes its delivery pending.
        const written = await eventually(
          async () => {
            const probe = await publish(server, tenant, { type: 'order.stuck', data: { probe: true } });
            return (await statusOf(probe.body.id)) === 'pending' ? 'pending' : undefined;
          },
          10_000,
          'a delivery to the stuck subscription written pending',
        );
        expect(written).toBe('pending');
      } finally {
        await hanging.close();
      }
    }, 60_000);
  });

  describe('`serve` started afresh', () => {
    it('hands off what is published as soon as the server answers, before its delivery thread is ready', async () => {
      const env = clusterEnv(await store.freshDatabaseUrl(), { HOOKPOST_POLL_INTERVAL: '30s' });
      const adminToken = env.HOOKPOST_ADMIN_TOKEN!;
      // The event type, tenant and subscription, made by a first run, so that the second one's first request can publish.
      const first = await spawnHookpost('serve', env);
      const setUp = { url: first.url, adminToken } as TestServer;
      await defineEventType(setUp, 'order.created');
      const tenant = await createTenant(setUp);
      await subscribe(setUp, tenant, { url: receiver.url, event_types: ['order.created'] });
      await first.kill('SIGTERM');

      // The second run is not waited for: publishes go out from the moment its port answers, while
      // its delivery thread is still starting (its "listening" line comes once that thread is ready).
      const port = await freePort();
      const second = spawnHookpost('serve', { ...env, HOOKPOST_PORT: String(port) });
      const server = { url: `http://127.0.0.1:${port}`, adminToken } as TestServer;
      try {
        // Polled every 2 ms, so that the publishes follow the port's opening as closely as they can.
        await eventually(() => call(server, 'GET', '/healthz').catch(() => undefined), 60_000, 'the second run to answer', 2);
        const published = await Promise.all(Array.from({ length: 20 }, (_, n) => publish(server, tenant, { type: 'order.created', data: { n } })));
        expect(published.map((response) => response.status)).toEqual(Array(20).fill(202));
        const started = await second;
        await receiver.waitFor(20);
        // The thread reports its metrics to the API thread every second.
        expect(await eventually(async () => ((await started.metric(`${TAKEN}{path="handoff"}`)) === 20 ? true : undefined), 10_000, 'twenty handed off')).toBe(true);
        expect(await started.metric(`${TAKEN}{path="claim"}`)).toBe(0);
      } finally {
        await (await second.catch(() => null))?.kill('SIGTERM');
      }
    }, 120_000);
  });
});
