import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../src/api/route-table.js';
import { CLIENT_ROUTES, HookpostApiError, HookpostClient, isApiError } from '../src/client/index.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { eventually, startServer, type TestServer } from './support/server.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('hookpost/client against a real server', (store) => {
  let server: TestServer;
  let admin: HookpostClient;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    admin = new HookpostClient({ url: server.url, token: server.adminToken });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await admin.close();
    await receiver.close();
    await server.close();
  });

  it('has a method for every native route the server serves', () => {
    const served = routeTable(server.runtime.app)
      .filter((route) => route.url.startsWith('/v1/'))
      .map((route) => `${route.method} ${route.url}`);
    const covered = new Set(Object.values(CLIENT_ROUTES).map(([method, url]) => `${method} ${url}`));
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !covered.has(route))).toEqual([]);
  });

  it('manages tenants, keys, event types and subscriptions, and publishes with a tenant key', async () => {
    const tenant = await admin.tenants.create({ id: 'acme', name: 'Acme' });
    expect(tenant).toMatchObject({ id: 'acme', name: 'Acme' });
    expect(await admin.tenants.get('acme')).toEqual(tenant);
    const key = await admin.apiKeys.create('acme', { name: 'ci' });
    expect(key.key).toBeTruthy();
    expect((await admin.apiKeys.list('acme')).data.map((k) => k.id)).toContain(key.id);

    await admin.eventTypes.create({ name: 'invoice.paid', description: 'paid', example: { amount: 1 } });
    expect((await admin.eventTypes.get('invoice.paid')).example).toEqual({ amount: 1 });
    expect((await admin.eventTypes.update('invoice.paid', { description: 'An invoice was paid' })).description).toBe('An invoice was paid');

    const client = new HookpostClient({ url: server.url, token: key.key });
    try {
      const subscription = await client.subscriptions.create('acme', { url: receiver.url, event_types: ['invoice.paid'] });
      expect(subscription.secret).toMatch(/^whsec_/);
      expect((await client.subscriptions.secret('acme', subscription.id)).secret).toBe(subscription.secret);
      expect((await client.subscriptions.update('acme', subscription.id, { name: 'books' })).name).toBe('books');

      const published = await client.events.publish('acme', { type: 'invoice.paid', data: { amount: 42 } });
      expect(published.id).toMatch(/^evt_/);
      expect((await client.events.get('acme', published.id)).data).toEqual({ amount: 42 });
      await receiver.waitFor(1);
      // The receiver has the request before its outcome is recorded; a retry of a delivery still
      // in flight is refused (409), so wait for the record.
      const delivery = await eventually(async () => {
        const [found] = (await client.deliveries.list('acme', { event_id: published.id })).data;
        return found?.status === 'succeeded' ? found : undefined;
      }, 10_000, 'the delivery to be recorded as succeeded');
      expect(delivery).toMatchObject({ event_id: published.id, subscription_id: subscription.id });
      expect((await client.deliveries.get('acme', delivery.id)).id).toBe(delivery.id);
      expect((await client.deliveries.retry('acme', delivery.id)).id).toBe(delivery.id);
      await receiver.waitFor(2);

      const rotated = await client.subscriptions.rotateSecret('acme', subscription.id);
      expect(rotated.secret).not.toBe(subscription.secret);
      await client.subscriptions.delete('acme', subscription.id);
      await expect(client.subscriptions.get('acme', subscription.id)).rejects.toSatisfy((e) => isApiError(e, 'not_found'));
    } finally {
      await client.close();
    }
    await admin.apiKeys.revoke('acme', key.id);
    const revoked = new HookpostClient({ url: server.url, token: key.key });
    await expect(revoked.tenants.get('acme')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await revoked.close();
    expect((await admin.auditLog.list({ tenant_id: 'acme' })).data.length).toBeGreaterThan(0);
  });

  it('makes publish idempotent: the same id twice is one event and one delivery', async () => {
    await admin.tenants.create({ id: 'idem', name: 'Idem' });
    await admin.eventTypes.create({ name: 'idem.happened' });
    const subscription = await admin.subscriptions.create('idem', { url: receiver.url, event_types: ['idem.happened'] });
    const first = await admin.events.publish('idem', { type: 'idem.happened', data: { n: 1 }, id: 'order-7-paid' });
    const again = await admin.events.publish('idem', { type: 'idem.happened', data: { n: 1 }, id: 'order-7-paid' });
    expect(again).toEqual(first);
    const deliveries = await admin.deliveries.list('idem', { subscription_id: subscription.id });
    expect(deliveries.data).toHaveLength(1);
  });

  it('iterates every item of a list across pages with the cursor', async () => {
    await admin.tenants.create({ id: 'pages', name: 'Pages' });
    await admin.eventTypes.create({ name: 'page.turned' });
    const ids: string[] = [];
    for (let n = 0; n < 7; n += 1) ids.push((await admin.events.publish('pages', { type: 'page.turned', data: { n } })).id);
    const seen: string[] = [];
    for await (const event of admin.events.iterate('pages', { pageSize: 2 })) seen.push(event.id);
    expect(seen.sort()).toEqual(ids.sort());
    const firstPage = await admin.events.list('pages', { limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.next_cursor).not.toBeNull();
  });

  it('throws typed errors with the server\'s code, status and details', async () => {
    const error = await admin.events.publish('pages', { type: 'no.such.type', data: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookpostApiError);
    expect(error).toMatchObject({ status: 422, code: 'unknown_event_type' });
    expect((error as HookpostApiError).details).toEqual([expect.objectContaining({ pointer: '/type' })]);
  });
});

/** A real HTTP server on 127.0.0.1 answering from a script, recording what it got. */
async function scriptedServer(answers: ((req: IncomingMessage, res: ServerResponse, body: string) => void)[]) {
  const seen: { at: number; body: string; method: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ at: Date.now(), body, method: req.method ?? '' });
      answers[Math.min(seen.length - 1, answers.length - 1)]!(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('hookpost/client retries', () => {
  it('retries a 429 after Retry-After seconds, resending the same event id', async () => {
    const stub = await scriptedServer([
      (_q, res) => json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' }),
      (_q, res, body) => json(res, 202, { id: JSON.parse(body).id, type: 'x', created_at: new Date().toISOString() }),
    ]);
    const client = new HookpostClient({ url: stub.url, token: 't' });
    const published = await client.events.publish('t1', { type: 'x', data: {} });
    await client.close();
    await stub.close();
    expect(stub.seen).toHaveLength(2);
    expect(stub.seen[1]!.at - stub.seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(JSON.parse(stub.seen[0]!.body).id).toBe(published.id);
    expect(JSON.parse(stub.seen[1]!.body).id).toBe(published.id);
  });

  it('retries a 503 on a publish (it has an id) but not on a create that could repeat', async () => {
    const unavailable = (_q: IncomingMessage, res: ServerResponse) =>
      json(res, 503, { error: { code: 'unavailable', message: 'database away' } }, { 'retry-after': '0' });
    const stub = await scriptedServer([unavailable, unavailable, (_q, res, body) => json(res, 202, { id: JSON.parse(body).id, type: 'x', created_at: '' })]);
    const client = new HookpostClient({ url: stub.url, token: 't' });
    await client.events.publish('t1', { type: 'x', data: {} });
    expect(stub.seen).toHaveLength(3);

    const create = await scriptedServer([unavailable]);
    const creating = new HookpostClient({ url: create.url, token: 't' });
    const error = await creating.subscriptions.create('t1', { url: 'https://example.com', event_types: ['*'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'unavailable', retryAfterSeconds: 0 });
    expect(create.seen).toHaveLength(1);
    await Promise.all([client.close(), creating.close(), stub.close(), create.close()]);
  });

  it('gives up after maxRetries and throws the last answer', async () => {
    const stub = await scriptedServer([(_q, res) => json(res, 429, { error: { code: 'rate_limited', message: 'no' } }, { 'retry-after': '0' })]);
    const client = new HookpostClient({ url: stub.url, token: 't', maxRetries: 2 });
    await expect(client.tenants.list()).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    expect(stub.seen).toHaveLength(3);
    await Promise.all([client.close(), stub.close()]);
  });
});
