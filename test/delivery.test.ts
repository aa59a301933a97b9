import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

const ORDER_SCHEMA = {
  type: 'object',
  required: ['order_id', 'total'],
  properties: { order_id: { type: 'string' }, total: { type: 'number', minimum: 0 }, lines: { type: 'array', items: { type: 'object', required: ['sku'] } } },
};

describeEachStore('delivery', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { HOOKPOST_RETRY_SCHEDULE: '0,50ms,50ms', HOOKPOST_REQUEST_TIMEOUT: '1s' },
    });
    await defineEventType(server, 'shop.order.created', ORDER_SCHEMA, { order_id: 'o_1', total: 10 });
  });
  afterAll(() => server.close());
  // Each specification gets its own tenant, so that no other test's subscriptions match its events.
  beforeEach(async () => {
    tenant = await createTenant(server);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function receiverAnswering(answer?: Parameters<typeof startReceiver>[0]) {
    const receiver = await startReceiver(answer);
    receivers.push(receiver);
    return receiver;
  }

  async function deliveriesOf(eventId: string) {
    const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key });
    expect(response.status).toBe(200);
    return response.body.data as any[];
  }

  it('delivers a published event with a Standard Webhooks signature that the reference library verifies', async () => {
    const receiver = await receiverAnswering();
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    expect(subscription.secret).toMatch(/^whsec_/);
    const published = await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_42', total: 99.5 } });
    expect(published.status).toBe(202);

    const [request] = await receiver.waitFor(1);
    const headers = request!.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe(published.body.id);
    expect(headers['content-type']).toBe('application/json');
    const verified = new Webhook(subscription.secret).verify(request!.body, headers) as any;
    expect(verified).toEqual({ type: 'shop.order.created', timestamp: published.body.created_at, data: { order_id: 'o_42', total: 99.5 } });

    const tampered = () => new Webhook(subscription.secret).verify(request!.body.replace('99.5', '0'), headers);
    expect(tampered).toThrow();
  });

  it('retries after two 500s and records three attempts before succeeding', async () => {
    const receiver = await receiverAnswering((n) => (n <= 2 ? { status: 500, body: `failure ${n}` } : { status: 200, body: 'fine' }));
    await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    const { body } = await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_retry', total: 1 } });

    const [delivery] = await eventually(async () => {
      const deliveries = await deliveriesOf(body.id);
      return deliveries[0]?.status === 'succeeded' ? deliveries : undefined;
    });
    expect(receiver.requests).toHaveLength(3);
    expect(delivery.attempt_count).toBe(3);
    expect(delivery.attempts.map((a: any) => [a.number, a.status_code, a.error_class, a.response_body, a.succeeded])).toEqual([
      [1, 500, 'bad_status', 'failure 1', false],
      [2, 500, 'bad_status', 'failure 2', false],
      [3, 200, null, 'fine', true],
    ]);
    for (const attempt of delivery.attempts) {
      expect(Date.parse(attempt.started_at)).toBeGreaterThan(0);
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('records a timeout when the receiver hangs and delivers on the retry', async () => {
    const receiver = await receiverAnswering((n) => (n === 1 ? { hang: true } : { status: 204 }));
    await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    const { body } = await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_hang', total: 1 } });

    const [delivery] = await eventually(async () => {
      const deliveries = await deliveriesOf(body.id);
      return deliveries[0]?.status === 'succeeded' ? deliveries : undefined;
    });
    expect(delivery.attempts[0]).toMatchObject({ number: 1, error_class: 'timeout', status_code: null, succeeded: false });
    expect(delivery.attempts[0].duration_ms).toBeGreaterThanOrEqual(950);
    expect(delivery.attempts[1]).toMatchObject({ number: 2, status_code: 204, succeeded: true });
  });

  it('gives up when the retries run out, and a manual retry sends once more', async () => {
    let healthy = false;
    const receiver = await receiverAnswering(() => (healthy ? { status: 200 } : { status: 503 }));
    await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    const { body } = await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_fail', total: 1 } });

    const [failed] = await eventually(async () => {
      const deliveries = await deliveriesOf(body.id);
      return deliveries[0]?.status === 'failed' ? deliveries : undefined;
    });
    expect(failed.attempt_count).toBe(3);
    expect(receiver.requests).toHaveLength(3);

    healthy = true;
    const retried = await call(server, 'POST', `/v1/tenants/${tenant.id}/deliveries/${failed.id}/retry`, { token: tenant.key });
    expect(retried.status).toBe(202);
    const [succeeded] = await eventually(async () => {
      const deliveries = await deliveriesOf(body.id);
      return deliveries[0]?.status === 'succeeded' ? deliveries : undefined;
    });
    expect(succeeded.attempts).toHaveLength(4);
    expect(receiver.requests).toHaveLength(4);
  });

  it('disables the subscription when the receiver answers 410 Gone', async () => {
    const receiver = await receiverAnswering(() => ({ status: 410 }));
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    const { body } = await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_gone', total: 1 } });

    const disabled = await eventually(async () => {
      const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key });
      return response.body.active === false ? response.body : undefined;
    });
    expect(disabled.disabled_reason).toMatch(/410/);
    const [delivery] = await deliveriesOf(body.id);
    expect(delivery).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: 410 });

    // A disabled subscription gets nothing new.
    await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'o_after', total: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).toHaveLength(1);
  });

  it('treats a repeated event id as the same event and creates no new deliveries', async () => {
    const receiver = await receiverAnswering();
    await subscribe(server, tenant, { url: receiver.url, event_types: ['shop.order.created'] });
    const first = await publish(server, tenant, { id: 'order-777', type: 'shop.order.created', data: { order_id: 'o_777', total: 7 } });
    const again = await publish(server, tenant, { id: 'order-777', type: 'shop.order.created', data: { order_id: 'o_777', total: 7 } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesOf('order-777')).toHaveLength(1);
  });

  it('answers 422 with a JSON pointer for each schema violation', async () => {
    const response = await publish(server, tenant, { type: 'shop.order.created', data: { total: -3, lines: [{}] } });
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('schema_violation');
    const pointers = response.body.error.details.map((d: any) => d.pointer).sort();
    expect(pointers).toEqual(['/data/lines/0/sku', '/data/order_id', '/data/total']);
  });

  it('answers 422 for an unknown event type, when publishing and when subscribing', async () => {
    const published = await publish(server, tenant, { type: 'shop.order.exploded', data: {} });
    expect(published.status).toBe(422);
    expect(published.body.error).toMatchObject({ code: 'unknown_event_type', details: [{ pointer: '/type' }] });
    const subscribed = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, {
      token: tenant.key,
      body: { url: 'https://example.com/hook', event_types: ['shop.order.created', 'shop.order.exploded'] },
    });
    expect(subscribed.status).toBe(422);
    expect(subscribed.body.error).toMatchObject({ code: 'unknown_event_type', details: [{ pointer: '/event_types/1' }] });
  });

  it('delivers to "*" subscriptions and applies filters', async () => {
    const all = await receiverAnswering();
    const bigOrders = await receiverAnswering();
    await subscribe(server, tenant, { url: all.url, event_types: ['*'] });
    await subscribe(server, tenant, { url: bigOrders.url, event_types: ['shop.order.created'], filter: { 'data.total': { $gte: 100 } } });
    await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'small', total: 5 } });
    await publish(server, tenant, { type: 'shop.order.created', data: { order_id: 'big', total: 500 } });
    await all.waitFor(2);
    await bigOrders.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(bigOrders.requests.map((r) => JSON.parse(r.body).data.order_id)).toEqual(['big']);
  });
});

describe('outbound address policy (private targets not allowed)', () => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startServer({
      env: { HOOKPOST_ALLOW_PRIVATE_TARGETS: '0', HOOKPOST_RETRY_SCHEDULE: '0' },
      // hooks.example.test resolves to loopback, as a hostile DNS record would.
      overrides: {
        lookup: ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
          if (hostname === 'hooks.example.test') callback(null, [{ address: '127.0.0.1', family: 4 }]);
          else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
        }) as never,
      },
    });
    tenant = await createTenant(server);
    await defineEventType(server, 'ping');
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data', 'http://2130706433/', 'http://10.0.0.8/'])(
    'refuses %s at once with 422',
    async (url) => {
      const response = await call(server, 'POST', `/v1/tenants/${tenant.id}/subscriptions`, { token: tenant.key, body: { url, event_types: ['ping'] } });
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('forbidden_target');
    },
  );

  it('refuses at send time a hostname that resolves to 127.0.0.1', async () => {
    const port = new URL(receiver.url).port;
    const subscription = await subscribe(server, tenant, { url: `http://hooks.example.test:${port}/hook`, event_types: ['ping'] });
    const { body } = await publish(server, tenant, { type: 'ping', data: {} });
    const delivery = await eventually(async () => {
      const response = await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?subscription_id=${subscription.id}`, { token: tenant.key });
      const first = response.body.data[0];
      return first?.status === 'failed' ? first : undefined;
    });
    expect(delivery.event_id).toBe(body.id);
    expect(delivery.attempts[0]).toMatchObject({ error_class: 'forbidden_address', status_code: null });
    expect(receiver.requests).toHaveLength(0);
  });
});

describeEachStore('automatic retries come due on time, not at the next poll', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    // A poll far longer than the retry delay: only the dispatcher's own wake-up can send it on time.
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl(), env: { HOOKPOST_POLL_INTERVAL: '60s', HOOKPOST_RETRY_SCHEDULE: '0,400ms' } });
    await defineEventType(server, 'order.created');
    tenant = await createTenant(server);
    receiver = await startReceiver((n) => ({ status: n === 1 ? 503 : 200 }));
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  it('sends the retry of a failed attempt when its delay has passed', async () => {
    await subscribe(server, tenant, { url: receiver.url, event_types: ['order.created'] });
    expect((await publish(server, tenant, { type: 'order.created', data: { n: 1 } })).status).toBe(202);
    await receiver.waitFor(2);
    const [first, retry] = receiver.requests;
    const gap = retry!.receivedAt - first!.receivedAt;
    // Not before its delay, and long before the 60 s poll would have found it.
    expect(gap).toBeGreaterThanOrEqual(390);
    expect(gap).toBeLessThan(10_000);
    expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });
});
