import { afterAll, beforeAll, expect, it } from 'vitest';
import { importDueBacklog } from '../bench/due-backlog.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Issue 10, isolation between tenants: a tenant with a large due backlog spread over many
// subscriptions must not hold back another tenant's fresh event. The claim splits its window
// between tenants first (store/claim-shares.ts), so tenant B's event is claimed in the next
// claim, whatever tenant A has due.
//
// Why the numbers: two sends at a time (a window of four held deliveries) to A's receiver, which
// answers in 100 ms, make about 20 of A's deliveries go out a second, so A's 50,000 stay due for
// the whole test. A claim split fairly between SUBSCRIPTIONS only reaches B's subscription (the
// newest id) after one delivery of each of A's 200 subscriptions, about 10 s a round (and a fresh
// event published just after B's last one was served waits the whole round); split between
// tenants, B's event is claimed as soon as a slot frees (≤ 100 ms) and waits behind at most the
// couple of A's deliveries already held, well under a second. BOUND_MS leaves room for a loaded
// CI machine and still fails the subscription-only split.
const A_SUBSCRIPTIONS = 200;
const A_EVENTS = 250; // × 200 subscriptions = 50,000 due deliveries
const A_ANSWER_MS = 100;
const FRESH_EVENTS = 3;
const BOUND_MS = 3_000;

describeEachStore('tenant fairness of the claim', (store) => {
  let server: TestServer;
  let busy: Receiver;
  let quiet: Receiver;
  let tenantA: TestTenant;
  let tenantB: TestTenant;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_DELIVERY_CONCURRENCY: '2' } });
    await defineEventType(server, 'order.created');
    busy = await startReceiver(() => ({ status: 200, delayMs: A_ANSWER_MS }));
    quiet = await startReceiver();
    tenantA = await createTenant(server);
    tenantB = await createTenant(server);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await busy?.close();
    await quiet?.close();
  });

  it('delivers another tenant’s fresh events promptly while one tenant works through 50,000 due deliveries over 200 subscriptions', async () => {
    const subscriptionIds: string[] = [];
    for (let i = 0; i < A_SUBSCRIPTIONS; i += 1) {
      subscriptionIds.push((await subscribe(server, tenantA, { url: `${busy.url}/${i}`, event_types: ['order.created'] })).id);
    }
    // Created last: its id sorts after all of A's (the worst place in a round robin by subscription).
    await subscribe(server, tenantB, { url: quiet.url, event_types: ['order.created'] });
    const written = await importDueBacklog(server.runtime.service.store, {
      tenantId: tenantA.id, type: 'order.created', subscriptionIds, events: A_EVENTS, now: Date.now(),
    });
    expect(written).toBe(A_SUBSCRIPTIONS * A_EVENTS);
    // A's backlog is being sent (every one of its window's slots is busy) before B publishes.
    await busy.waitFor(20, 30_000);

    const latencies: number[] = [];
    for (let i = 0; i < FRESH_EVENTS; i += 1) {
      const published = await publish(server, tenantB, { type: 'order.created', data: { fresh: i } });
      expect(published.status).toBe(202);
      const delivery = await eventually(async () => {
        const page = await call(server, 'GET', `/v1/tenants/${tenantB.id}/deliveries?event_id=${published.body.id}`, { token: tenantB.key });
        const [found] = page.body.data;
        return found?.status === 'succeeded' ? found : undefined;
      }, 60_000, `tenant B's event ${i} to be delivered`);
      // Recorded times: from the event's creation to the start of its (first and only) attempt.
      latencies.push(Date.parse(delivery.attempts[0].started_at) - Date.parse(published.body.created_at));
    }
    for (const latency of latencies) expect(latency, `tenant B's latencies ${latencies.join(', ')} ms`).toBeLessThan(BOUND_MS);
    // A still had most of its backlog due throughout: B did not just wait for it to drain.
    const { due } = await server.runtime.service.store.dueBacklog(Date.now());
    expect(due).toBeGreaterThan(A_SUBSCRIPTIONS * A_EVENTS * 0.8);
  }, 120_000);
});
