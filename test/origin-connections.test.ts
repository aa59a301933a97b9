import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  defineEventType,
  eventually,
  publish,
  startServer,
  subscribe,
  type TestServer,
  type TestTenant,
} from './support/server.js';

// Two subscriptions on one receiver host and port; each may send 4 at once, the origin 6 at most.
const PER_SUBSCRIPTION = 4;
const PER_ORIGIN = 6;
const EVENTS = 20;

/** One origin with /hang (never answers) and /ok (200 after 100 ms), counting what is open at once. */
async function startSharedOrigin() {
  const open = { hang: 0, ok: 0 };
  const peak = { hang: 0, ok: 0, total: 0, sockets: 0 };
  let sockets = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url === '/hang' ? 'hang' : 'ok';
    open[path] += 1;
    peak[path] = Math.max(peak[path], open[path]);
    peak.total = Math.max(peak.total, open.hang + open.ok);
    res.on('close', () => (open[path] -= 1));
    req.resume();
    if (path === 'ok') req.on('end', () => setTimeout(() => res.writeHead(200).end('ok'), 100));
  });
  server.on('connection', (socket) => {
    sockets += 1;
    peak.sockets = Math.max(peak.sockets, sockets);
    socket.on('close', () => (sockets -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: 'hang' | 'ok') => `http://127.0.0.1:${port}/${path}`,
    open,
    peak,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function publishBatch(server: TestServer, tenant: TestTenant, type: string) {
  const events = Array.from({ length: EVENTS }, (_, n) => ({ type, data: { n } }));
  return call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, { token: tenant.key, body: { events } });
}

describe('connections per origin (a real receiver shared by two subscriptions)', () => {
  let server: TestServer;
  let origin: Awaited<ReturnType<typeof startSharedOrigin>>;
  beforeAll(async () => {
    origin = await startSharedOrigin();
    server = await startServer({
      env: {
        HOOKPOST_ENDPOINT_CONCURRENCY: String(PER_SUBSCRIPTION),
        HOOKPOST_ORIGIN_CONNECTIONS: String(PER_ORIGIN),
        // The hanging sends stay open for the whole test.
        HOOKPOST_REQUEST_TIMEOUT: '60s',
      },
    });
  });
  afterAll(async () => {
    // Closing the receiver first ends the hanging sends, so the dispatcher stops at once.
    await origin.close();
    await server.close();
  });

  it('keeps the healthy subscription flowing beside a hanging one, within the sum of their limits and the cap', async () => {
    const tenant = await createTenant(server);
    await defineEventType(server, 'origin.hang');
    await defineEventType(server, 'origin.ok');
    await subscribe(server, tenant, { url: origin.url('hang'), event_types: ['origin.hang'] });
    const healthy = await subscribe(server, tenant, { url: origin.url('ok'), event_types: ['origin.ok'] });

    const succeeded = async (count: number) => {
      const route = `/v1/tenants/${tenant.id}/deliveries?subscription_id=${healthy.id}&status=succeeded&limit=100`;
      const list = await call(server, 'GET', route, { token: tenant.key });
      return list.body.data.length === count ? true : undefined;
    };
    // The healthy subscription has been sending: it counts towards the origin.
    expect((await publish(server, tenant, { type: 'origin.ok', data: { n: 'first' } })).status).toBe(202);
    await eventually(() => succeeded(1), 15_000, 'the first healthy delivery');

    expect((await publishBatch(server, tenant, 'origin.hang')).status).toBe(200);
    // Limits 4 + 4 pass the cap of 6: the hanging subscription fills its part, 3, and no more.
    const part = Math.floor((PER_ORIGIN * PER_SUBSCRIPTION) / (2 * PER_SUBSCRIPTION));
    await eventually(() => (origin.open.hang === part ? true : undefined), 15_000, 'the hanging subscription to hold its part');

    expect((await publishBatch(server, tenant, 'origin.ok')).status).toBe(200);
    await eventually(() => succeeded(EVENTS + 1), 30_000, 'every healthy delivery to be recorded as succeeded');

    // The hanging sends are still open (60 s timeout): the healthy ones went past them, not after them.
    expect(origin.open.hang).toBe(part);
    // Each had its part of the capped origin (a fixed per-origin cap would have let the hanging
    // one take its whole 4), and the pool opened no more connections than the cap.
    expect(origin.peak.hang).toBe(part);
    expect(origin.peak.ok).toBe(PER_ORIGIN - part);
    expect(origin.peak.total).toBe(PER_ORIGIN);
    expect(origin.peak.sockets).toBeLessThanOrEqual(PER_ORIGIN);
  }, 60_000);
});
