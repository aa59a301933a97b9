import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receiver.js';
import { call, createTenant, defineEventType, publish, startServer, subscribe, type TestServer, type TestTenant } from './support/server.js';
import { describeEachStore } from './support/stores.js';

const SCHEMA = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };

describeEachStore('batch publish and group commit', (store) => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: await store.freshDatabaseUrl() });
    await defineEventType(server, 'batch.tested', SCHEMA, { n: 1 });
    tenant = await createTenant(server);
    receiver = await startReceiver();
    await subscribe(server, tenant, { url: receiver.url, event_types: ['batch.tested'] });
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
  });

  const batch = (events: unknown[]) => call(server, 'POST', `/v1/tenants/${tenant.id}/events/batch`, { token: tenant.key, body: { events } });

  it('answers one entry per event in order: accepted, rejected with its error, duplicate; and delivers the accepted ones once', async () => {
    const first = await batch([
      { type: 'batch.tested', data: { n: 1 }, id: 'b-1' },
      { type: 'batch.nowhere', data: { n: 2 } },
      { type: 'batch.tested', data: { n: 'three' }, id: 'b-3' },
      { type: 'batch.tested', data: { n: 4 } },
      { type: 'batch.tested', data: { n: 1 }, id: 'b-1' },
    ]);
    expect(first.status).toBe(200);
    const results = first.body.data;
    expect(results.map((r: any) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'accepted', 'duplicate']);
    expect(results[0].id).toBe('b-1');
    expect(results[1]).toMatchObject({ id: null, error: { code: 'unknown_event_type' } });
    expect(results[2]).toMatchObject({ id: 'b-3', error: { code: 'schema_violation' } });
    expect(results[3].id).toMatch(/^evt_/);
    expect(results[4].id).toBe('b-1');

    // The same batch again: the ids it named are duplicates now, and nothing new is delivered for them.
    const again = await batch([{ type: 'batch.tested', data: { n: 1 }, id: 'b-1' }]);
    expect(again.body.data).toEqual([{ id: 'b-1', status: 'duplicate' }]);

    const received = await receiver.waitFor(2);
    expect(received.map((r) => r.headers['webhook-id']).sort()).toEqual(['b-1', results[3].id].sort());
    const stored = await call(server, 'GET', `/v1/tenants/${tenant.id}/events/b-1`, { token: tenant.key });
    expect(stored.body.data).toEqual({ n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(2);
  });

  it('takes 500 events of 1 KiB in one call (larger than a single publish\'s body limit)', async () => {
    const own = await createTenant(server);
    const events = Array.from({ length: 500 }, (_, n) => ({ type: 'batch.tested', data: { n, note: 'x'.repeat(1000) } }));
    const answer = await call(server, 'POST', `/v1/tenants/${own.id}/events/batch`, { token: own.key, body: { events } });
    expect(answer.status).toBe(200);
    expect(answer.body.data.filter((r: any) => r.status === 'accepted')).toHaveLength(500);
  });

  it('refuses a batch of more than 1,000 events, or an empty one, whole', async () => {
    const tooMany = await batch(Array.from({ length: 1001 }, (_, n) => ({ type: 'batch.tested', data: { n } })));
    expect(tooMany.status).toBe(422);
    expect((await batch([])).status).toBe(422);
  });

  it('answers every concurrent single publish once its group committed, each event stored and delivered', async () => {
    const own = await createTenant(server);
    const ownReceiver = await startReceiver();
    try {
      await subscribe(server, own, { url: ownReceiver.url, event_types: ['batch.tested'] });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, n) => publish(server, own, { type: 'batch.tested', data: { n }, id: n % 10 === 0 ? `same-${n}` : undefined })),
      );
      expect(answers.every((a) => a.status === 202)).toBe(true);
      for (const answer of answers) {
        const stored = await call(server, 'GET', `/v1/tenants/${own.id}/events/${answer.body.id}`, { token: own.key });
        expect(stored.status).toBe(200);
      }
      const received = await ownReceiver.waitFor(50);
      expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set(answers.map((a) => a.body.id)));
    } finally {
      await ownReceiver.close();
    }
  });

  it('answers an id repeated within one group of publishes as the same event, delivered once', async () => {
    const own = await createTenant(server);
    const ownReceiver = await startReceiver();
    try {
      await subscribe(server, own, { url: ownReceiver.url, event_types: ['batch.tested'] });
      const answers = await Promise.all(Array.from({ length: 5 }, () => publish(server, own, { type: 'batch.tested', data: { n: 7 }, id: 'twice' })));
      expect(answers.map((a) => [a.status, a.body.id])).toEqual(Array.from({ length: 5 }, () => [202, 'twice']));
      await ownReceiver.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ownReceiver.requests).toHaveLength(1);
    } finally {
      await ownReceiver.close();
    }
  });
});
