import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('recovery of failed deliveries', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  let healthy: boolean;

  beforeAll(async () => {
    // One attempt each: a delivery fails for good at the first 500.
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_RETRY_SCHEDULE: '0', HOOKPOST_REQUEST_TIMEOUT: '2s' } });
    await defineEventType(server, 'recovery.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    healthy = false;
    receiver = await startReceiver(() => (healthy ? { status: 200 } : { status: 500 }));
  });
  afterEach(() => receiver.close());

  async function deliveries(subscriptionId: string, status?: string): Promise<any[]> {
    const query = `subscription_id=${subscriptionId}&limit=100${status ? `&status=${status}` : ''}`;
    const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?${query}`, { token: tenant.key });
    expect(response.status).toBe(200);
    return response.body.data;
  }

  async function taskWhenDone(taskId: string): Promise<any> {
    return eventually(async () => {
      const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/tasks/${taskId}`, { token: tenant.key });
      expect(response.status).toBe(200);
      return response.body.status === 'done' ? response.body : undefined;
    }, 20_000, `task ${taskId} to finish`);
  }

  it('requeues the failed deliveries in the window in the background, once each, and reports progress', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['recovery.ping'] });
    const before = new Date(Date.now() - 1000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await publish(server, tenant, { type: 'recovery.ping', data: { i } })).body.id);
    await eventually(async () => ((await deliveries(subscription.id, 'failed')).length === 5 ? true : undefined), 20_000, 'five failures');
    expect(receiver.requests).toHaveLength(5);

    healthy = true;
    const recover = (body: object) =>
      call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/recover`, { token: tenant.key, body });
    const [first, second] = await Promise.all([recover({ since: before }), recover({ since: before })]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(first.body.task_id).toMatch(/^tsk_/);

    const task = await taskWhenDone(first.body.task_id);
    expect(task).toMatchObject({ kind: 'recover', status: 'done', params: { subscription_id: subscription.id, since: before } });
    await taskWhenDone(second.body.task_id);
    await eventually(async () => ((await deliveries(subscription.id, 'succeeded')).length === 5 ? true : undefined), 20_000, 'five successes');
    // Between them, the two identical requests requeued each failed delivery exactly once.
    const requeued = first.body.task_id === second.body.task_id ? task.progress.requeued : task.progress.requeued + (await taskWhenDone(second.body.task_id)).progress.requeued;
    expect(requeued).toBe(5);
    const resent = receiver.requests.slice(5).map((r) => r.headers['webhook-id']);
    expect(resent.sort()).toEqual([...ids].sort());

    // Asked again afterwards: nothing in the window has failed since, so nothing is sent.
    const again = await recover({ since: before });
    expect(again.status).toBe(202);
    expect((await taskWhenDone(again.body.task_id)).progress.requeued).toBe(0);
    expect(receiver.requests).toHaveLength(10);
  });

  it('leaves failures outside the window alone', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['recovery.ping'] });
    await publish(server, tenant, { type: 'recovery.ping', data: { early: true } });
    await eventually(async () => ((await deliveries(subscription.id, 'failed')).length === 1 ? true : undefined), 20_000, 'the early failure');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    const late = await publish(server, tenant, { type: 'recovery.ping', data: { early: false } });
    await eventually(async () => ((await deliveries(subscription.id, 'failed')).length === 2 ? true : undefined), 20_000, 'the late failure');

    healthy = true;
    const response = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/recover`, { token: tenant.key, body: { since } });
    expect(response.status).toBe(202);
    expect((await taskWhenDone(response.body.task_id)).progress.requeued).toBe(1);
    await eventually(async () => ((await deliveries(subscription.id, 'succeeded')).length === 1 ? true : undefined), 20_000, 'the late success');
    expect(receiver.requests.at(-1)!.headers['webhook-id']).toBe(late.body.id);
    expect(await deliveries(subscription.id, 'failed')).toHaveLength(1);
  });

  it('answers 422 for a window that ends before it starts, and 404 for another tenant', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['recovery.ping'] });
    const route = `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/recover`;
    const now = Date.now();
    const backwards = await call(server, 'POST', route, {
      token: tenant.key,
      body: { since: new Date(now - 1000).toISOString(), until: new Date(now - 2000).toISOString() },
    });
    expect(backwards.status).toBe(422);
    const future = await call(server, 'POST', route, { token: tenant.key, body: { since: new Date(now + 60_000).toISOString() } });
    expect(future.status).toBe(422);
    const notADate = await call(server, 'POST', route, { token: tenant.key, body: { since: 'yesterday' } });
    expect(notADate.status).toBe(422);

    const started = await call(server, 'POST', route, { token: tenant.key, body: { since: new Date(now - 1000).toISOString() } });
    const other = await createTenant(server);
    const foreign = await call(server, 'GET', `/v1/tenants/${other.id}/tasks/${started.body.task_id}`, { token: other.key });
    expect(foreign.status).toBe(404);
    const crossed = await call(server, 'GET', `/v1/tenants/${tenant.id}/tasks/${started.body.task_id}`, { token: other.key });
    expect(crossed.status).toBe(403);
  });
});
