import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, eventually, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

// Endpoint health and circuit breaking (issue 11), through the API with a real receiver.
const COOLDOWN_MS = 2_000;

describeEachStore('endpoint health and the circuit breaker', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;
  let failing: boolean;
  let probeDelayMs: number;

  beforeAll(async () => {
    // Three failures in a row open a circuit for 2 s; the instance's retries come 10 minutes
    // later, so within a test each delivery is attempted once unless the circuit holds it back.
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { HOOKPOST_RETRY_SCHEDULE: '0,10m,10m', HOOKPOST_CIRCUIT_FAILURES: '3', HOOKPOST_CIRCUIT_COOLDOWN: `${COOLDOWN_MS}ms` },
    });
    await defineEventType(server, 'health.ping');
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    tenant = await createTenant(server);
    failing = true;
    probeDelayMs = 0;
    receiver = await startReceiver(() => (failing ? { status: 500 } : { status: 200, delayMs: probeDelayMs }));
  });
  afterEach(() => receiver.close());

  const health = async (id: string) => {
    const answer = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${id}/health`, { token: tenant.key });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const deliveriesOf = async (eventId: string) =>
    (await call(server, 'GET', `/v1/tenants/${tenant.id}/deliveries?event_id=${eventId}`, { token: tenant.key })).body.data;

  it('opens after consecutive failures, holds deliveries back without attempts, and one probe closes it', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['health.ping'] });
    expect(await health(subscription.id)).toMatchObject({ circuit: 'closed', consecutive_failures: 0, last_hour: { attempts: 0, success_rate: null } });

    for (let i = 0; i < 3; i += 1) await publish(server, tenant, { type: 'health.ping', data: { i } });
    await receiver.waitFor(3);
    const opened = await eventually(async () => {
      const h = await health(subscription.id);
      return h.circuit === 'open' ? h : undefined;
    }, 10_000, 'the circuit to open');
    expect(opened).toMatchObject({ active: true, consecutive_failures: 3, last_hour: { attempts: 3, failures: 3, success_rate: 0 } });
    expect(Date.parse(opened.retry_at)).toBeGreaterThan(Date.now());

    // While it is open, new deliveries wait: no request, no attempt counted.
    const held = await publish(server, tenant, { type: 'health.ping', data: { held: 1 } });
    const alsoHeld = await publish(server, tenant, { type: 'health.ping', data: { held: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(3);
    expect(await deliveriesOf(held.body.id)).toMatchObject([{ status: 'pending', attempt_count: 0 }]);

    // The endpoint recovers: after the cooldown one probe goes alone; its success closes the
    // circuit and releases the rest. The probe's answer is slow, so a second request sent
    // alongside it would arrive before the probe is answered.
    failing = false;
    probeDelayMs = 300;
    const [, , , probe, next] = await receiver.waitFor(5, 20_000);
    expect(probe!.receivedAt - Date.parse(opened.retry_at)).toBeGreaterThanOrEqual(-50);
    expect(next!.receivedAt - probe!.receivedAt).toBeGreaterThanOrEqual(probeDelayMs - 20);
    const closed = await eventually(async () => {
      const h = await health(subscription.id);
      return h.circuit === 'closed' && h.last_hour.successes === 2 ? h : undefined;
    }, 10_000, 'the circuit to close');
    expect(closed).toMatchObject({ consecutive_failures: 0, failing_since: null, retry_at: null, last_hour: { attempts: 5, failures: 3, success_rate: 0.4 } });
    expect(closed.last_day).toEqual(closed.last_hour);
    expect(closed.last_hour.average_latency_ms).toBeGreaterThanOrEqual(0);
    expect(closed.last_hour.max_latency_ms).toBeGreaterThanOrEqual(probeDelayMs - 20);
    for (const event of [held, alsoHeld]) {
      expect(await deliveriesOf(event.body.id)).toMatchObject([{ status: 'succeeded', attempt_count: 1 }]);
    }
  });

  it('reopens when the probe fails, for another cooldown', async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['health.ping'] });
    for (let i = 0; i < 3; i += 1) await publish(server, tenant, { type: 'health.ping', data: { i } });
    const opened = await eventually(async () => {
      const h = await health(subscription.id);
      return h.circuit === 'open' ? h : undefined;
    }, 10_000, 'the circuit to open');
    // The next delivery waits for the cooldown, goes as the probe, and fails.
    await publish(server, tenant, { type: 'health.ping', data: { probe: true } });
    const probe = (await receiver.waitFor(4, 20_000))[3]!;
    expect(probe.receivedAt - Date.parse(opened.retry_at)).toBeGreaterThanOrEqual(-50);
    const reopened = await eventually(async () => {
      const h = await health(subscription.id);
      return h.circuit === 'open' && h.consecutive_failures === 4 ? h : undefined;
    }, 10_000, 'the failed probe to reopen the circuit');
    expect(Date.parse(reopened.retry_at)).toBeGreaterThanOrEqual(probe.receivedAt + COOLDOWN_MS - 50);
    expect(reopened.last_hour).toMatchObject({ attempts: 4, failures: 4 });
  });

  it("answers 404 for another tenant's subscription and 401 without a key", async () => {
    const subscription = await subscribe(server, tenant, { url: receiver.url, event_types: ['health.ping'] });
    const other = await createTenant(server);
    const foreign = await call(server, 'GET', `/v1/tenants/${other.id}/subscriptions/${subscription.id}/health`, { token: other.key });
    expect(foreign.status).toBe(404);
    const anonymous = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/health`);
    expect(anonymous.status).toBe(401);
  });
});

describeEachStore('disabling a subscription that keeps failing', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    // Failing for one second disables (days in production); the circuit never opens first.
    server = await startServer({
      databaseUrl: await store.freshDatabaseUrl(),
      env: { HOOKPOST_DISABLE_AFTER: '1s', HOOKPOST_CIRCUIT_FAILURES: '1000' },
    });
    await defineEventType(server, 'health.ping');
    tenant = await createTenant(server);
    receiver = await startReceiver(() => ({ status: 503, delayMs: answerDelayMs }));
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
  });
  let answerDelayMs = 0;

  it('disables it once every attempt has failed for the set time, and re-enabling forgives the failures', async () => {
    const subscription = await subscribe(server, tenant, {
      url: receiver.url,
      event_types: ['health.ping'],
      retry_policy: { schedule_ms: [250], max_attempts: 50 },
    });
    await publish(server, tenant, { type: 'health.ping', data: {} });
    const disabled = await eventually(async () => {
      const read = await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key });
      return read.body.active === false ? read.body : undefined;
    }, 15_000, 'the subscription to be disabled');
    expect(disabled.disabled_reason).toMatch(/failed for/);
    const requests = receiver.requests.length;
    const first = receiver.requests[0]!.receivedAt;
    // The rule measures attempt start times; arrivals at the receiver may be a little closer together.
    expect(receiver.requests.at(-1)!.receivedAt - first).toBeGreaterThanOrEqual(800);
    const health = (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/health`, { token: tenant.key })).body;
    expect(health.active).toBe(false);
    expect(Math.abs(Date.parse(health.failing_since) - first)).toBeLessThan(500);
    // Disabled: nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.requests.length).toBe(requests);

    // Re-enabled, the parked delivery goes out again at once: the receiver holds it for a while, so
    // the health read below sees the forgiven state, not that attempt's failure.
    answerDelayMs = 3_000;
    const enabled = await call(server, 'PATCH', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}`, { token: tenant.key, body: { active: true } });
    expect(enabled.body).toMatchObject({ active: true, disabled_reason: null });
    const forgiven = (await call(server, 'GET', `/v1/tenants/${tenant.id}/subscriptions/${subscription.id}/health`, { token: tenant.key })).body;
    expect(forgiven).toMatchObject({ active: true, circuit: 'closed', consecutive_failures: 0, failing_since: null });
  });
});
