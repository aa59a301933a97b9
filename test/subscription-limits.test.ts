import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterEnv, startCluster, type Cluster } from './support/cluster.js';
import { startReceiver, type Answer, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore, postgresServerUrl } from './support/stores.js';
import { createTestDatabase } from './support/test-databases.js';
import { inject } from 'vitest';

// Per-subscription rate and concurrency limits, enforced in the claim (a token bucket row and a
// count of every worker's in-flight deliveries, under a lock), so they hold across processes.

/** The most requests that arrived within any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describeEachStore('per-subscription limits', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    await defineEventType(server, 'limit.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
  });
  afterEach(() => receiver?.close());

  const publishMany = async (count: number) => {
    const events = Array.from({ length: count }, (_, n) => ({ type: 'limit.ping', data: { n } }));
    const answer = await call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, { token: tenant.key, body: { events } });
    expect(answer.status).toBe(200);
  };

  it('sends at most rate_limit_per_second requests a second (one second of burst)', async () => {
    receiver = await startReceiver();
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['limit.ping'], rate_limit_per_second: 5 });
    expect(subscription.rate_limit_per_second).toBe(5);
    await publishMany(30);
    await receiver.waitFor(30, 60_000);
    const times = receiver.requests.map((r) => r.receivedAt);
    // 5 at once (the full bucket), then 5 a second: 25 more take at least 5 s.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4_500);
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(10);
  }, 90_000);

  it('keeps at most max_in_flight requests open at once', async () => {
    let open = 0;
    let mostOpen = 0;
    receiver = await startReceiver((): Answer => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      setTimeout(() => (open -= 1), 150);
      return { status: 200, delayMs: 150 };
    });
    await subscribe(server, tenant, { url: receiver.url, event_types: ['limit.ping'], max_in_flight: 2 });
    await publishMany(12);
    await receiver.waitFor(12, 60_000);
    expect(mostOpen).toBeLessThanOrEqual(2);
    expect(mostOpen).toBe(2);
  }, 90_000);

  it('after a 429 sends nothing before Retry-After, then at a lower rate that grows back', async () => {
    receiver = await startReceiver((n): Answer => (n === 3 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    // One at a time, so that what follows the 429 is claimed after it was recorded.
    await subscribe(server, tenant, { url: receiver.url, event_types: ['limit.ping'], rate_limit_per_second: 20, max_in_flight: 1, retry_policy: { schedule_ms: [0], max_attempts: 5 } });
    await publishMany(60);
    await receiver.waitFor(61, 60_000);
    const times = receiver.requests.map((r) => r.receivedAt);
    const throttledAt = times[2]!;
    // Nothing during the second the receiver asked for.
    expect(times[3]! - throttledAt).toBeGreaterThanOrEqual(900);
    // Then the rate in force is 10/s growing by 2/s each second, from an empty bucket: the other 58
    // need about 4 s (10t + t² = 58); at an unadapted 20/s they would need under 3 s.
    expect(times.at(-1)! - times[3]!).toBeGreaterThanOrEqual(3_400);
  }, 90_000);

  it('refuses limits out of range with 4xx, and PATCH null removes them', async () => {
    const body = { url: 'http://127.0.0.1:9/hook', event_types: ['limit.ping'] };
    const create = (extra: object) => call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { ...body, ...extra } });
    for (const extra of [{ rate_limit_per_second: 0 }, { rate_limit_per_second: -1 }, { rate_limit_per_second: 10_001 }, { max_in_flight: 0 }, { max_in_flight: 1.5 }, { max_in_flight: 1001 }]) {
      const answer = await create(extra);
      expect(answer.status, JSON.stringify(extra)).toBe(422);
    }
    const created = await create({ rate_limit_per_second: 0.5, max_in_flight: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ rate_limit_per_second: 0.5, max_in_flight: 3 });
    const patched = await call(server, 'PATCH', `/v1/tenants/${tenant.id}/subscriptions/${created.body.id}`, {
      token: tenant.key,
      body: { rate_limit_per_second: null, max_in_flight: null },
    });
    expect(patched.body).toMatchObject({ rate_limit_per_second: null, max_in_flight: null });
  });
});

// Two worker processes on one PostgreSQL database: the limit is the subscription's, not each worker's.
const postgres = postgresServerUrl();
describe.runIf(postgres !== undefined)('per-subscription rate limit across worker processes [postgres]', () => {
  let receiver: Receiver;
  let cluster: Cluster;

  beforeAll(async () => {
    receiver = await startReceiver();
    const databaseUrl = await createTestDatabase(postgres!, inject('postgresRunId'));
    cluster = await startCluster({ env: clusterEnv(databaseUrl), apis: 1, workers: 2, receiverUrl: receiver.url, subscription: { rate_limit_per_second: 4 } });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await receiver?.close();
  });

  it('holds 4 requests a second across two workers that both send', async () => {
    for (let n = 0; n < 40; n += 1) expect((await cluster.publish(cluster.apis[0]!, { n, tag: randomBytes(2).toString('hex') })).status).toBe(202);
    await receiver.waitFor(40, 120_000);
    const times = receiver.requests.map((r) => r.receivedAt);
    // 4 at once, then 4 a second: 36 more take at least 9 s (each worker alone would allow 4/s too).
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(8_000);
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(8);
    const attempts = await Promise.all(cluster.workers.map((w) => w.metric('hookpost_delivery_attempts_total')));
    expect(attempts.every((count) => count > 0), `attempts per worker: ${attempts.join(', ')}`).toBe(true);
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(40);
  }, 180_000);
});
