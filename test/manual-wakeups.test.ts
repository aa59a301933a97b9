import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterEnv } from './support/cluster.js';
import { spawnHookpost, type RoleProcess } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, eventually } from './support/server.js';
import { testStores, type TestStore } from './support/stores.js';

// A manual operation that makes deliveries due (a retry, a recovery, a resend, re-enabling a
// subscription) wakes the delivery engine at once, like a publish does, wherever it runs: on
// SQLite the default `serve` (its delivery thread), on PostgreSQL a separate worker process. The
// poll interval is 30 s, so anything the wake-up did not reach would wait that long; the bound
// below (10 s) leaves a loaded machine wide margins on both sides.
const POLL_INTERVAL = '30s';
const WITHIN_MS = 10_000;

/** The processes of one topology: where the API is called, and how to stop them all. */
interface Topology {
  api: RoleProcess;
  adminToken: string;
  stop(): Promise<void>;
}

async function startTopology(store: TestStore): Promise<Topology> {
  // One attempt each: a delivery fails for good at its first 500.
  const env = clusterEnv(await store.freshDatabaseUrl(), { HOOKPOST_POLL_INTERVAL: POLL_INTERVAL, HOOKPOST_RETRY_SCHEDULE: '0' });
  const processes: RoleProcess[] = [];
  const stop = () => Promise.all(processes.map((p) => p.kill('SIGTERM'))).then(() => undefined);
  try {
    if (store.name === 'sqlite') {
      processes.push(await spawnHookpost('serve', env));
    } else {
      processes.push(await spawnHookpost('api', env));
      processes.push(await spawnHookpost('worker', env));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { api: processes[0]!, adminToken: env.HOOKPOST_ADMIN_TOKEN!, stop };
}

for (const store of testStores()) {
  const topology = store.name === 'sqlite' ? 'one serve process with its delivery thread' : 'an API process and a worker process';
  describe(`manual operations wake the delivery engine [${store.name}: ${topology}]`, () => {
    let system: Topology;
    let receiver: Receiver;
    let healthy: boolean;
    let tenantId: string;
    let subscriptionId: string;

    const api = (method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown) =>
      call(system.api, method, `/v1${route}`, { token: system.adminToken, ...(body !== undefined ? { body } : {}) });

    async function deliveriesWith(status: string, count: number, timeoutMs = WITHIN_MS): Promise<any[]> {
      return eventually(
        async () => {
          const response = await api('GET', `/tenants/${tenantId}/deliveries?subscription_id=${subscriptionId}&status=${status}&limit=100`);
          expect(response.status).toBe(200);
          return response.body.data.length === count ? response.body.data : undefined;
        },
        timeoutMs,
        `${count} ${status} deliveries`,
      );
    }

    async function publishOne(): Promise<string> {
      const response = await api('POST', `/tenants/${tenantId}/events`, { type: 'wake.ping', data: { at: Date.now() } });
      expect(response.status).toBe(202);
      return response.body.id;
    }

    /** Publishes to the failing receiver and waits until the delivery failed for good (a publish wakes the engine itself). */
    async function failedDelivery(): Promise<any> {
      await publishOne();
      const [failed] = await deliveriesWith('failed', 1);
      healthy = true;
      return failed;
    }

    beforeAll(async () => {
      system = await startTopology(store);
      receiver = await startReceiver(() => (healthy ? { status: 200 } : { status: 500 }));
      expect((await api('POST', '/event-types', { name: 'wake.ping', description: 'A wake-up test event' })).status).toBe(201);
    }, 120_000);
    afterAll(async () => {
      await system?.stop();
      await receiver?.close();
    }, 60_000);
    beforeEach(async () => {
      healthy = false;
      tenantId = `t_wake_${Math.random().toString(36).slice(2, 8)}`;
      expect((await api('POST', '/tenants', { id: tenantId, name: 'Wake-ups' })).status).toBe(201);
      const subscription = await api('POST', `/tenants/${tenantId}/subscriptions`, { url: receiver.url, event_types: ['wake.ping'] });
      expect(subscription.status).toBe(201);
      subscriptionId = subscription.body.id;
    });

    it('sends a retried failed delivery to the receiver within seconds, not at the next poll', async () => {
      const failed = await failedDelivery();
      const sentBefore = receiver.requests.length;
      const retried = await api('POST', `/tenants/${tenantId}/deliveries/${failed.id}/retry`);
      expect(retried.status).toBe(202);
      const [succeeded] = await deliveriesWith('succeeded', 1);
      expect(succeeded.id).toBe(failed.id);
      expect(receiver.requests.length).toBe(sentBefore + 1);
    });

    it('sends what a recovery requeues within seconds (the task runs wherever deliveries are sent)', async () => {
      const since = new Date(Date.now() - 1_000).toISOString();
      await failedDelivery();
      const recovered = await api('POST', `/tenants/${tenantId}/subscriptions/${subscriptionId}/recover`, { since });
      expect(recovered.status).toBe(202);
      await deliveriesWith('succeeded', 1);
    });

    it('sends a resent event within seconds', async () => {
      const failed = await failedDelivery();
      const resent = await api('POST', `/tenants/${tenantId}/events/${failed.event_id}/resend`, {});
      expect(resent.status).toBe(202);
      await deliveriesWith('succeeded', 1);
    });

    it('sends what came due while its subscription was disabled within seconds of enabling it', async () => {
      healthy = true;
      // Scheduled a moment ahead, so that it comes due while the subscription is disabled (parked).
      const deliverAt = Date.now() + 1_500;
      const published = await api('POST', `/tenants/${tenantId}/events`, { type: 'wake.ping', data: {}, deliver_at: new Date(deliverAt).toISOString() });
      expect(published.status).toBe(202);
      expect((await api('PATCH', `/tenants/${tenantId}/subscriptions/${subscriptionId}`, { active: false })).status).toBe(200);
      await eventually(() => (Date.now() > deliverAt + 500 ? true : undefined), 5_000, 'the event to come due');
      const [pending] = await deliveriesWith('pending', 1);
      expect((await api('PATCH', `/tenants/${tenantId}/subscriptions/${subscriptionId}`, { active: true })).status).toBe(200);
      const [succeeded] = await deliveriesWith('succeeded', 1);
      expect(succeeded.id).toBe(pending.id);
    });
  });
}
