import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('resend, test events and cancelling scheduled events', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    await defineEventType(server, 'ops.order.paid', undefined, { order_id: 'ord_example', total: 12 });
    await defineEventType(server, 'ops.no.example');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function receiver(): Promise<Receiver> {
    const started = await startReceiver();
    receivers.push(started);
    return started;
  }

  const post = (route: string, body?: object) => call(server, 'POST', `/v1/tenants/${tenant.id}${route}`, { token: tenant.key, ...(body ? { body } : {}) });

  it('resends an event to every matching subscription, including one created after it', async () => {
    const [early, late] = [await receiver(), await receiver()];
    await subscribe(server, tenant, { url: early.url, event_types: ['ops.order.paid'] });
    const published = await publish(server, tenant, { type: 'ops.order.paid', data: { order_id: 'o1', total: 5 } });
    await early.waitFor(1);
    await subscribe(server, tenant, { url: late.url, event_types: ['*'] });

    const resent = await post(`/events/${published.body.id}/resend`, {});
    expect(resent.status).toBe(202);
    expect(resent.body.delivery_ids).toHaveLength(2);
    const [again] = (await early.waitFor(2)).slice(1);
    const [first] = await late.waitFor(1);
    expect(again!.headers['webhook-id']).toBe(published.body.id);
    expect(first!.headers['webhook-id']).toBe(published.body.id);
    expect(JSON.parse(first!.body).data).toEqual({ order_id: 'o1', total: 5 });
  });

  it('resends to one subscription only when one is named, and refuses one that does not take the type', async () => {
    const [a, b, other] = [await receiver(), await receiver(), await receiver()];
    await subscribe(server, tenant, { url: a.url, event_types: ['ops.order.paid'] });
    const chosen = await subscribe(server, tenant, { url: b.url, event_types: ['ops.order.paid'] });
    const unrelated = await subscribe(server, tenant, { url: other.url, event_types: ['ops.no.example'] });
    const published = await publish(server, tenant, { type: 'ops.order.paid', data: { order_id: 'o2', total: 1 } });
    await Promise.all([a.waitFor(1), b.waitFor(1)]);

    const resent = await post(`/events/${published.body.id}/resend`, { subscription_id: chosen.id });
    expect(resent.status).toBe(202);
    expect(resent.body.delivery_ids).toHaveLength(1);
    await b.waitFor(2);
    const deliveries: any[] = await eventually(async () => {
      const listed = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${published.body.id}`, { token: tenant.key });
      return listed.body.data.every((d: any) => d.status === 'succeeded') ? listed.body.data : undefined;
    });
    expect(deliveries.map((d) => d.subscription_id).sort()).toEqual([chosen.id, chosen.id, deliveries.find((d) => d.subscription_id !== chosen.id).subscription_id].sort());
    expect(a.requests).toHaveLength(1);

    expect((await post(`/events/${published.body.id}/resend`, { subscription_id: unrelated.id })).status).toBe(422);
    expect((await post(`/events/evt_missing/resend`, {})).status).toBe(404);
    const stranger = await createTenant(server);
    const foreign = await call(server, 'POST', `/v1/tenants/${stranger.id}/events/${published.body.id}/resend`, { token: stranger.key, body: {} });
    expect(foreign.status).toBe(404);
  });

  it("sends a type's example to one subscription only as a test event", async () => {
    const [target, bystander] = [await receiver(), await receiver()];
    const subscription = await subscribe(server, tenant, { url: target.url, event_types: ['ops.no.example'] });
    await subscribe(server, tenant, { url: bystander.url, event_types: ['ops.order.paid'] });

    const sent = await post(`/subscriptions/${subscription.id}/test`, { event_type: 'ops.order.paid' });
    expect(sent.status).toBe(202);
    expect(sent.body.id).toMatch(/^evt_/);
    const [request] = await target.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(sent.body.id);
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'ops.order.paid', data: { order_id: 'ord_example', total: 12 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bystander.requests).toHaveLength(0);

    expect((await post(`/subscriptions/${subscription.id}/test`, { event_type: 'ops.no.example' })).status).toBe(422);
    expect((await post(`/subscriptions/${subscription.id}/test`, { event_type: 'ops.unknown' })).status).toBe(422);
    expect((await post(`/subscriptions/sub_missing/test`, { event_type: 'ops.order.paid' })).status).toBe(404);
  });

  it('cancels a scheduled event before it is due, so nothing is sent; 409 once an event is due', async () => {
    const hook = await receiver();
    await subscribe(server, tenant, { url: hook.url, event_types: ['ops.order.paid'] });
    const deliverAt = new Date(Date.now() + 1500).toISOString();
    const scheduled = await publish(server, tenant, { type: 'ops.order.paid', data: { order_id: 'later', total: 1 }, deliver_at: deliverAt });
    expect(scheduled.status).toBe(202);

    const cancelled = await post(`/events/${scheduled.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id: scheduled.body.id, cancelled: 1 });
    // A delivery scheduled a moment later than the cancelled one, to know when it would have gone.
    const marker = await publish(server, tenant, { type: 'ops.order.paid', data: { order_id: 'marker', total: 1 }, deliver_at: new Date(Date.parse(deliverAt) + 200).toISOString() });
    await hook.waitFor(1, 20_000);
    expect(hook.requests.map((r) => r.headers['webhook-id'])).toEqual([marker.body.id]);
    const listed = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${scheduled.body.id}`, { token: tenant.key });
    expect(listed.body.data.map((d: any) => [d.status, d.attempt_count])).toEqual([['cancelled', 0]]);

    expect((await post(`/events/${marker.body.id}/cancel`)).status).toBe(409);
    const immediate = await publish(server, tenant, { type: 'ops.order.paid', data: { order_id: 'now', total: 1 } });
    expect((await post(`/events/${immediate.body.id}/cancel`)).status).toBe(409);
  });
});
