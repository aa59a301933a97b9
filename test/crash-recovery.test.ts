import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startProcess, type HookpostProcess } from './support/process.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, eventually } from './support/server.js';

const EVENTS = 1000;

describe('crash recovery', () => {
  const processes: HookpostProcess[] = [];
  let receiver: Receiver | undefined;
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await receiver?.close();
  });

  it('loses nothing when the server is killed with SIGKILL while delivering 1,000 events', async () => {
    // A slow receiver (two connections, 10 ms an answer), so that the kill lands mid-delivery.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 10 }));
    const slowReceiver = receiver;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-crash-'));
    const env = {
      HOOKPOST_DATA_DIR: dataDir,
      HOOKPOST_ADMIN_TOKEN: `hpa_${randomBytes(16).toString('hex')}`,
      HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
      HOOKPOST_ENDPOINT_CONCURRENCY: '2',
      HOOKPOST_LEASE: '1s',
      HOOKPOST_POLL_INTERVAL: '100ms',
      HOOKPOST_REQUEST_TIMEOUT: '2s',
    };
    const token = env.HOOKPOST_ADMIN_TOKEN;

    const first = await startProcess(env);
    processes.push(first);
    expect((await call(first, 'POST', '/v1/tenants', { token, body: { id: 'shop', name: 'Shop' } })).status).toBe(201);
    expect((await call(first, 'POST', '/v1/event-types', { token, body: { name: 'shop.order.created' } })).status).toBe(201);
    const subscription = await call(first, 'POST', '/v1/tenants/shop/subscriptions', {
      token,
      body: { url: slowReceiver.url, event_types: ['shop.order.created'] },
    });
    expect(subscription.status).toBe(201);

    const acknowledged: string[] = [];
    for (let batch = 0; batch < EVENTS / 50; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call(first, 'POST', '/v1/tenants/shop/events', { token, body: { id: `order-${batch * 50 + i}`, type: 'shop.order.created', data: { n: batch * 50 + i } } }),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        acknowledged.push(answer.body.id);
      }
    }
    await slowReceiver.waitFor(100);
    expect(slowReceiver.requests.length, 'the kill must land while deliveries are still going on').toBeLessThan(EVENTS);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const seenBeforeKill = new Set(slowReceiver.requests.map((r) => r.headers['webhook-id'] as string)).size;
    expect(seenBeforeKill).toBeLessThan(EVENTS);

    const second = await startProcess(env);
    processes.push(second);
    await eventually(() => {
      const seen = new Set(slowReceiver.requests.map((r) => r.headers['webhook-id'] as string));
      return seen.size >= EVENTS ? seen : undefined;
    }, 60_000, 'every event id at the receiver');
    const seen = new Set(slowReceiver.requests.map((r) => r.headers['webhook-id'] as string));
    for (const id of acknowledged) expect(seen.has(id), id).toBe(true);

    // And the log agrees: every delivery succeeded. One the dead process had sent but not recorded
    // has reached the receiver already, and stays pending until its lease runs out and it is sent
    // again (at-least-once): wait for that, not only for the ids at the receiver.
    await eventually(async () => {
      const pending = await call(second, 'GET', '/v1/tenants/shop/deliveries?status=pending', { token });
      return pending.body.data.length === 0 ? true : undefined;
    }, 30_000, 'no delivery left pending');
    const failed = await call(second, 'GET', '/v1/tenants/shop/deliveries?status=failed', { token });
    expect(failed.body.data).toEqual([]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('drains a delivery in flight on SIGTERM, records it, and does not send it again after a restart', async () => {
    const slow = await startReceiver(() => ({ status: 200, delayMs: 1500 }));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-drain-'));
    const token = `hpa_${randomBytes(16).toString('hex')}`;
    const env = { HOOKPOST_DATA_DIR: dataDir, HOOKPOST_ADMIN_TOKEN: token, HOOKPOST_ALLOW_PRIVATE_TARGETS: '1', HOOKPOST_LEASE: '1s' };
    try {
      const first = await startProcess(env);
      processes.push(first);
      await call(first, 'POST', '/v1/tenants', { token, body: { id: 'drain', name: 'Drain' } });
      await call(first, 'POST', '/v1/event-types', { token, body: { name: 'ping' } });
      await call(first, 'POST', '/v1/tenants/drain/subscriptions', { token, body: { url: slow.url, event_types: ['ping'] } });
      const published = await call(first, 'POST', '/v1/tenants/drain/events', { token, body: { type: 'ping', data: {} } });
      await slow.waitFor(1); // the request is now in flight, its answer 1.5 s away
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await startProcess(env);
      processes.push(second);
      const deliveries = await call(second, 'GET', `/v1/tenants/drain/deliveries?event_id=${published.body.id}`, { token });
      expect(deliveries.body.data).toHaveLength(1);
      expect(deliveries.body.data[0]).toMatchObject({ status: 'succeeded', attempt_count: 1, last_status_code: 200 });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // past any lease: nothing is resent
      expect(slow.requests).toHaveLength(1);
    } finally {
      await slow.close();
    }
  }, 60_000);
});
