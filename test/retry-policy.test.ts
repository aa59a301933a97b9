import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('per-subscription retry policy', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    // The instance waits 10 minutes before a second attempt: only a subscription's own policy retries within the test.
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_RETRY_SCHEDULE: '0,10m,10m' } });
    await defineEventType(server, 'retry.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    receiver = await startReceiver(() => ({ status: 500 }));
  });
  afterEach(() => receiver.close());

  async function finalDelivery(eventId: string): Promise<any> {
    return eventually(async () => {
      const listed = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key });
      return listed.body.data[0]?.status === 'failed' ? listed.body.data[0] : undefined;
    }, 20_000, 'the delivery to fail for good');
  }

  it("retries on the subscription's own schedule, as many times as it says", async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['retry.ping'], retry_policy: { schedule_ms: [50, 100], max_attempts: 4 } });
    expect(subscription.retry_policy).toEqual({ schedule_ms: [50, 100], max_attempts: 4 });
    const published = await publish(server, tenant, { type: 'retry.ping', data: {} });
    const delivery = await finalDelivery(published.body.id);
    expect(delivery.attempts.map((a: any) => a.number)).toEqual([1, 2, 3, 4]);
    const started = delivery.attempts.map((a: any) => Date.parse(a.started_at));
    // Waits of 50, 100 and (the last delay repeated) 100 ms, never the instance's 10 minutes.
    expect(started[1] - started[0]).toBeGreaterThanOrEqual(45);
    expect(started[2] - started[1]).toBeGreaterThanOrEqual(95);
    expect(started[3] - started[2]).toBeGreaterThanOrEqual(95);
    expect(receiver.requests).toHaveLength(4);
  });

  it('gives up after max_attempts alone, and PATCH null returns to the instance policy', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['retry.ping'], retry_policy: { max_attempts: 1 } });
    const published = await publish(server, tenant, { type: 'retry.ping', data: {} });
    expect((await finalDelivery(published.body.id)).attempt_count).toBe(1);

    const patched = await call(server, 'PATCH', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key, body: { retry_policy: null } });
    expect(patched.status).toBe(200);
    expect(patched.body.retry_policy).toBeNull();
    const next = await publish(server, tenant, { type: 'retry.ping', data: {} });
    const pending = await eventually(async () => {
      const listed = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${next.body.id}`, { token: tenant.key });
      const delivery = listed.body.data[0];
      return delivery?.attempt_count === 1 && delivery.status === 'pending' ? delivery : undefined;
    });
    // The instance's schedule: the second attempt is about ten minutes away.
    expect(Date.parse(pending.next_attempt_at) - Date.now()).toBeGreaterThan(5 * 60_000);
  });

  it('refuses a policy out of range with 422', async () => {
    const body = { url: receiver.url, event_types: ['retry.ping'] };
    const create = (retry_policy: object) => call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { ...body, retry_policy } });
    expect((await create({ max_attempts: 0 })).status).toBe(422);
    expect((await create({ max_attempts: 51 })).status).toBe(422);
    expect((await create({ schedule_ms: [-1] })).status).toBe(422);
    expect((await create({ schedule_ms: [8 * 86_400_000] })).status).toBe(422);
    expect((await create({ backoff: 'exponential' })).status).toBe(422);
  });
});
