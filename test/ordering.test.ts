import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Answer, type ReceivedRequest, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Ordered delivery: a delivery waits while an earlier one of its group (the subscription, or the
// event's ordering_key) is pending or in flight. On PostgreSQL two servers share the database, so
// two dispatchers with no memory in common claim the same subscription's deliveries: the order
// must hold in the claim itself.

const KEYS = 10;
const PER_KEY = 100;
// Quick retries, and enough of them that no delivery runs out while the receiver fails at random.
const RETRY_POLICY = { schedule_ms: [20], max_attempts: 50 };

interface Sent {
  key: string;
  seq: number;
  accepted: boolean;
}

/** What the receiver saw, in arrival order: each request's key and sequence number, and whether it was accepted. */
function seen(receiver: Receiver, accepted: WeakSet<ReceivedRequest>): Sent[] {
  return receiver.requests.map((request) => {
    const { data } = JSON.parse(request.body) as { data: { key: string; seq: number } };
    return { key: data.key, seq: data.seq, accepted: accepted.has(request) };
  });
}

/** A receiver that fails a share of requests at random (500), remembering which it accepted. */
async function flakyReceiver(failureRate: number): Promise<{ receiver: Receiver; accepted: WeakSet<ReceivedRequest> }> {
  const accepted = new WeakSet<ReceivedRequest>();
  const receiver = await startReceiver((_n, request): Answer => {
    if (Math.random() < failureRate) return { status: 500 };
    accepted.add(request);
    return { status: 200 };
  });
  return { receiver, accepted };
}

describeEachStore('ordered delivery', (store) => {
  let server: TestServer;
  // On PostgreSQL, a second server on the same database: a second dispatcher claiming alongside.
  let second: TestServer | null = null;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    const databaseUrl = await store.freshDatabaseUrl();
    // One instance key for both servers, so either dispatcher can open the subscription's secret.
    const env = { HOOKPOST_SECRET_KEY: randomBytes(32).toString('hex') };
    server = await startServer({ databaseUrl, env });
    if (store.name === 'postgres') second = await startServer({ databaseUrl, env });
    await defineEventType(server, 'order.step');
  });
  afterAll(async () => {
    await second?.close();
    await server.close();
  });
  beforeEach(async () => {
    tenant = await createTenant(server);
  });
  afterEach(() => receiver?.close());

  async function publishBatch(events: object[]): Promise<void> {
    const answer = await call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, { token: tenant.key, body: { events } });
    expect(answer.status).toBe(200);
    expect(answer.body.data.every((item: any) => item.status === 'accepted')).toBe(true);
  }

  it('keeps per-key order at the receiver for 1,000 events over 10 keys while the receiver fails at random', async () => {
    const flaky = await flakyReceiver(0.2);
    receiver = flaky.receiver;
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['order.step'], ordering: 'key', retry_policy: RETRY_POLICY });
    expect(subscription.ordering).toBe('key');
    // Keys interleaved in publish order, in batches, so deliveries are under way while later ones are published.
    const events = Array.from({ length: KEYS * PER_KEY }, (_, i) => {
      const key = `k${i % KEYS}`;
      const seq = Math.floor(i / KEYS);
      return { type: 'order.step', data: { key, seq }, ordering_key: key };
    });
    for (let start = 0; start < events.length; start += 100) await publishBatch(events.slice(start, start + 100));

    await eventually(() => (seen(receiver, flaky.accepted).filter((s) => s.accepted).length >= KEYS * PER_KEY ? true : undefined), 240_000, 'every event accepted');
    const sent = seen(receiver, flaky.accepted);
    expect(sent.some((s) => !s.accepted)).toBe(true); // the receiver did fail, and was retried
    for (let k = 0; k < KEYS; k += 1) {
      const ofKey = sent.filter((s) => s.key === `k${k}`);
      // Accepted exactly once each, in publish order ...
      expect(ofKey.filter((s) => s.accepted).map((s) => s.seq)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
      // ... and no event was even tried before the one ahead of it was accepted (its retries came first).
      for (let i = 1; i < ofKey.length; i += 1) {
        const [before, after] = [ofKey[i - 1]!, ofKey[i]!];
        expect(after.seq === before.seq || (after.seq === before.seq + 1 && before.accepted), `k${k}: ${JSON.stringify(before)} then ${JSON.stringify(after)}`).toBe(true);
      }
    }
    // Keys are independent: more than one key had a delivery under way at once somewhere in the run
    // (a subscription-wide order would have interleaved nothing).
    const firstKeys = new Set(sent.slice(0, KEYS * 3).map((s) => s.key));
    expect(firstKeys.size).toBeGreaterThan(1);
  }, 300_000);

  it('holds back only the failing head’s key: its retries go on schedule while other keys are delivered', async () => {
    let stuck = true;
    receiver = await startReceiver((_n, request): Answer => {
      const { data } = JSON.parse(request.body) as { data: { key: string } };
      return data.key === 'blocked' && stuck ? { status: 503 } : { status: 200 };
    });
    await subscribe(server, tenant, { url: receiver.url, event_types: ['order.step'], ordering: 'key', retry_policy: { schedule_ms: [50], max_attempts: 50 } });
    await publishBatch([
      { type: 'order.step', data: { key: 'blocked', seq: 0 }, ordering_key: 'blocked' },
      { type: 'order.step', data: { key: 'blocked', seq: 1 }, ordering_key: 'blocked' },
      ...Array.from({ length: 5 }, (_, seq) => ({ type: 'order.step', data: { key: 'free', seq }, ordering_key: 'free' })),
    ]);
    const bodies = () => receiver.requests.map((r) => (JSON.parse(r.body) as { data: { key: string; seq: number } }).data);
    // The free key finishes, and the blocked head is retried several times meanwhile ...
    await eventually(() => {
      const got = bodies();
      return got.filter((d) => d.key === 'free').length === 5 && got.filter((d) => d.key === 'blocked').length >= 3 ? true : undefined;
    }, 30_000, 'the free key delivered and the blocked head retried');
    expect(bodies().filter((d) => d.key === 'free').map((d) => d.seq)).toEqual([0, 1, 2, 3, 4]);
    // ... and the event behind the blocked head was never sent.
    expect(bodies().filter((d) => d.key === 'blocked').every((d) => d.seq === 0)).toBe(true);
    stuck = false;
    await eventually(() => (bodies().some((d) => d.key === 'blocked' && d.seq === 1) ? true : undefined), 30_000, 'the blocked key to move on');
    const blocked = bodies().filter((d) => d.key === 'blocked').map((d) => d.seq);
    expect(blocked.at(-1)).toBe(1);
    expect(blocked.indexOf(1)).toBe(blocked.length - 1);
  }, 60_000);

  it("orders all of a subscription's deliveries with ordering 'subscription'; PATCH changes it; an event shows its key", async () => {
    const flaky = await flakyReceiver(0.3);
    receiver = flaky.receiver;
    const ordered = await subscribe(server, tenant, { url: receiver.url, event_types: ['order.step'], ordering: 'subscription', retry_policy: RETRY_POLICY });
    await publishBatch(Array.from({ length: 40 }, (_, seq) => ({ type: 'order.step', data: { key: 'all', seq }, ordering_key: `x${seq % 3}` })));
    await eventually(() => (seen(receiver, flaky.accepted).filter((s) => s.accepted).length >= 40 ? true : undefined), 60_000, 'all 40 accepted');
    const sent = seen(receiver, flaky.accepted);
    expect(sent.filter((s) => s.accepted).map((s) => s.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    for (let i = 1; i < sent.length; i += 1) expect(sent[i]!.seq - sent[i - 1]!.seq).toBeLessThanOrEqual(sent[i - 1]!.accepted ? 1 : 0);

    // PATCH back to none; reads show the setting, and an event's key is shown with it.
    const patched = await call(server, 'PATCH', `/v1/tenants/${tenant.id}/subscriptions/${ordered.id}`, { token: tenant.key, body: { ordering: 'none' } });
    expect(patched.status).toBe(200);
    expect(patched.body.ordering).toBe('none');
    const published = await publish(server, tenant, { type: 'order.step', data: { key: 'one', seq: 0 }, ordering_key: 'a-key' });
    const event = await call(server, 'GET', `/v1/tenants/${tenant.id}/events/${published.body.id}`, { token: tenant.key });
    expect(event.body.ordering_key).toBe('a-key');
  }, 90_000);

  it('refuses an unknown ordering and an empty or overlong ordering_key with 4xx', async () => {
    const create = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, {
      token: tenant.key,
      body: { url: 'http://127.0.0.1:9/hook', event_types: ['order.step'], ordering: 'fifo' },
    });
    expect(create.status).toBeGreaterThanOrEqual(400);
    expect(create.status).toBeLessThan(500);
    for (const ordering_key of ['', 'k'.repeat(257), 42]) {
      const answer = await publish(server, tenant, { type: 'order.step', data: {}, ordering_key });
      expect(answer.status, JSON.stringify(ordering_key)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
  });
});
