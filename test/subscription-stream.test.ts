import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// A consumer that cannot receive webhooks reads its subscription's stream with a cursor, and
// long-polls for what comes next. On PostgreSQL the event is published through a second server
// (another API process's store), so the wait must see it through the database.

describeEachStore('polling a subscription’s events', (store) => {
  let server: TestServer;
  let other: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    const databaseUrl = await store.freshDatabaseUrl();
    server = await startServer({ databaseUrl });
    other = store.name === 'postgres' ? await startServer({ databaseUrl }) : server;
    await defineEventType(server, 'stream.one');
    await defineEventType(server, 'stream.two');
  });
  afterAll(async () => {
    if (other !== server) await other.close();
    await server.close();
  });
  beforeEach(async () => {
    tenant = await createTenant(server);
  });

  const read = (subscriptionId: string, query: string) =>
    call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscriptionId}/events${query}`, { token: tenant.key });

  it('reads the events that match the subscription, in publish order, page by page with the cursor', async () => {
    // Nothing listens at this URL: the stream does not depend on webhooks getting through.
    const subscription = await subscribe(server, tenant, { url: 'http://127.0.0.1:9/hook', event_types: ['stream.one'] });
    const ids: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      ids.push((await publish(server, tenant, { type: 'stream.one', data: { n } })).body.id);
      await publish(server, tenant, { type: 'stream.two', data: { n } }); // not this subscription's
    }
    const first = await read(subscription.id, '?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: any) => e.id)).toEqual(ids.slice(0, 3));
    const second = await read(subscription.id, `?limit=3&after=${first.body.cursor}`);
    expect(second.body.data.map((e: any) => e.id)).toEqual(ids.slice(3));
    expect(second.body.data[0]).toMatchObject({ type: 'stream.one', data: { n: 3 } });
    const none = await read(subscription.id, `?after=${second.body.cursor}`);
    expect(none.body).toEqual({ data: [], cursor: second.body.cursor });
  });

  it('long-polls: an empty read waits and answers as soon as an event arrives (published through another server on PostgreSQL)', async () => {
    const subscription = await subscribe(server, tenant, { url: 'http://127.0.0.1:9/hook', event_types: ['stream.one'] });
    const start = await read(subscription.id, '');
    expect(start.body).toEqual({ data: [], cursor: null });
    const started = Date.now();
    const waiting = read(subscription.id, '?wait=20');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const published = await call(other, 'POST', `/v1/tenants/${tenant.id}/events`, { token: other.adminToken, body: { type: 'stream.one', data: { late: true } } });
    expect(published.status).toBe(202);
    const answer = await waiting;
    expect(answer.body.data.map((e: any) => e.id)).toEqual([published.body.id]);
    // Well before the 20 s it was allowed to wait.
    expect(Date.now() - started).toBeLessThan(15_000);
    // And a wait with nothing to find ends after it.
    const empty = await read(subscription.id, `?wait=1&after=${answer.body.cursor}`);
    expect(empty.body).toEqual({ data: [], cursor: answer.body.cursor });
  }, 60_000);

  it('answers 4xx for a bad cursor, a wait out of range, another tenant’s subscription', async () => {
    const subscription = await subscribe(server, tenant, { url: 'http://127.0.0.1:9/hook', event_types: ['stream.one'] });
    expect((await read(subscription.id, '?after=not-ours!')).status).toBe(400);
    expect((await read(subscription.id, '?wait=31')).status).toBe(400);
    expect((await read(subscription.id, '?wait=-1')).status).toBe(400);
    const stranger = await createTenant(server);
    const foreign = await call(server, 'GET', `/v1/tenants/${stranger.id}/subscriptions/${subscription.id}/events`, { token: stranger.key });
    expect(foreign.status).toBe(404);
  });
});
