import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RetentionJob } from '../src/service/retention.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Retention and usage (issue 11). Retention is counted in days, so the job runs with a clock set
// 30 days ahead instead of waiting (the one place tests move time).
const DAY = 86_400_000;

describeEachStore('retention and usage', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_RETRY_SCHEDULE: '0,10m' } });
    await defineEventType(server, 'kept.ping');
    tenant = await createTenant(server);
    receiver = await startReceiver((n) => ({ status: n === 2 ? 500 : 200 }));
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  const usage = async (t: TestTenant) => {
    const answer = await call(server, 'GET', `/v1/tenants/${t.id}/usage`, { token: t.key });
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it('reports usage, and deletes in batches only what is older than the retention period and finished', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['kept.ping'] });
    // Old: one delivered, one failed and waiting for its retry (kept while pending).
    const delivered = await publish(server, tenant, { type: 'kept.ping', data: { n: 1 } });
    const retrying = await publish(server, tenant, { type: 'kept.ping', data: { n: 2 } });
    await receiver.waitFor(2);
    const before = await eventually(async () => {
      const u = await usage(tenant);
      return u.deliveries.succeeded === 1 && u.deliveries.pending === 1 ? u : undefined;
    }, 10_000, 'both deliveries to be recorded');
    expect(before).toEqual({ events: 2, deliveries: { pending: 1, in_flight: 0, succeeded: 1, failed: 0, cancelled: 0 }, attempts: 2, subscriptions: 1 });

    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Recent: published after the cutoff.
    const recent = await publish(server, tenant, { type: 'kept.ping', data: { n: 3 } });
    await receiver.waitFor(3);
    await eventually(async () => ((await usage(tenant)).deliveries.succeeded === 2 ? true : undefined), 10_000, 'the recent delivery');

    // 30 days after the cutoff, with batches of one event: the delivered old event goes (with its
    // delivery and attempt), the pending one and the recent one stay.
    const job = new RetentionJob(
      { ...server.runtime.service, now: () => cutoff + 30 * DAY },
      { retentionMs: 30 * DAY, batchSize: 1, intervalMs: 60_000, logger: pino({ level: 'silent' }) },
    );
    expect(await job.runOnce()).toBe(1);
    expect(await usage(tenant)).toEqual({ events: 2, deliveries: { pending: 1, in_flight: 0, succeeded: 1, failed: 0, cancelled: 0 }, attempts: 2, subscriptions: 1 });
    const read = (id: string) => call(server, 'GET', `/v1/tenants/${tenant.id}/events/${id}`, { token: tenant.key });
    expect((await read(delivered.body.id)).status).toBe(404);
    expect((await read(retrying.body.id)).status).toBe(200);
    expect((await read(recent.body.id)).status).toBe(200);
    const deliveries = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?subscription_id=${subscription.id}`, { token: tenant.key });
    expect(deliveries.body.data).toHaveLength(2);
    // A second pass finds nothing more to delete.
    expect(await job.runOnce()).toBe(0);
  });

  it('deletes per-minute health counts older than the day the health route reads, and keeps the rest', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['kept.ping'] });
    await publish(server, tenant, { type: 'kept.ping', data: { n: 4 } });
    const health = async () => (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/health`, { token: tenant.key })).body;
    await eventually(async () => ((await health()).last_day.attempts === 1 ? true : undefined), 10_000, 'the attempt to be counted');

    // One hour later nothing is a day old: the counts stay.
    const retention = (at: number) =>
      new RetentionJob({ ...server.runtime.service, now: () => at }, { retentionMs: 30 * DAY, batchSize: 1, intervalMs: 60_000, logger: pino({ level: 'silent' }) });
    await retention(Date.now() + 3_600_000).runOnce();
    expect((await health()).last_day.attempts).toBe(1);
    // Two days later they are past the health window: gone (in batches of one).
    await retention(Date.now() + 2 * DAY).runOnce();
    expect((await health()).last_day.attempts).toBe(0);
  });

  it("shows a tenant only its own usage, and 404 for another tenant's", async () => {
    const other = await createTenant(server);
    expect(await usage(other)).toEqual({ events: 0, deliveries: { pending: 0, in_flight: 0, succeeded: 0, failed: 0, cancelled: 0 }, attempts: 0, subscriptions: 0 });
    const foreign = await call(server, 'GET', `/v1/tenants/${tenant.id}/usage`, { token: other.key });
    expect([403, 404]).toContain(foreign.status);
  });
});
