import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { createHookpost, type Hookpost } from '../src/embedded/index.js';
import { newDelivery } from '../src/service/event-plan.js';
import { FAN_OUT_PART, inParts } from '../src/service/fan-out.js';
import { createStore } from '../src/store/index.js';
import { verifyStandardWebhook } from '../src/verify/index.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { eventually } from './support/server.js';
import { postgresServerUrl } from './support/stores.js';
import { createTestDatabase } from './support/test-databases.js';

const settings = { HOOKPOST_ALLOW_PRIVATE_TARGETS: '1', HOOKPOST_POLL_INTERVAL: '50ms' };
const secretKey = () => randomBytes(32).toString('hex');

describe('embedded Hookpost (createHookpost) on SQLite', () => {
  let hookpost: Hookpost;
  let receiver: Receiver;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-embedded-'));
    hookpost = await createHookpost({ databaseUrl: `sqlite:${path.join(dir, 'app.db')}`, secretKey: secretKey(), settings });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await hookpost.close();
    await receiver.close();
  });

  it('publishes, manages subscriptions and delivers in-process, with no HTTP server', async () => {
    await hookpost.tenants.create({ id: 'school', name: 'School' });
    await hookpost.eventTypes.define({ name: 'lesson.completed', schema: { type: 'object', required: ['lesson'] } });
    const subscription = await hookpost.subscriptions.create('school', { url: receiver.url, eventTypes: ['lesson.completed'] });
    expect((await hookpost.subscriptions.list('school')).items.map((s) => s.id)).toEqual([subscription.id]);

    const published = await hookpost.publish({ tenant: 'school', type: 'lesson.completed', data: { lesson: 'l1' } });
    expect(published).toMatchObject({ created: true, deliveries: 1 });
    const [request] = await receiver.waitFor(1);
    expect(verifyStandardWebhook<{ data: unknown }>(request!.body, request!.headers, subscription.secret!).payload.data).toEqual({ lesson: 'l1' });
    const delivery = await eventually(async () => {
      const [d] = (await hookpost.deliveries.list('school', { eventId: published.event.id })).items;
      return d?.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attempts).toHaveLength(1);

    await expect(hookpost.publish({ tenant: 'school', type: 'lesson.completed', data: {} })).rejects.toMatchObject({ code: 'schema_violation' });
    await hookpost.subscriptions.update('school', subscription.id, { active: false });
    expect((await hookpost.subscriptions.get('school', subscription.id)).active).toBe(false);
    await hookpost.subscriptions.delete('school', subscription.id);
    await expect(hookpost.subscriptions.get('school', subscription.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses the transactional outbox on SQLite with a clear error', async () => {
    const client = { query: async () => ({ rows: [] }) } as never;
    await expect(hookpost.publish({ tenant: 'school', type: 'lesson.completed', data: { lesson: 'x' } }, { client })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('PostgreSQL'),
    });
  });
});

describe('embedded Hookpost and the SQLite sender lock', () => {
  it('refuses to send from a SQLite file another process sends from, and may still publish with dispatch off', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-embedded-lock-'));
    const databaseUrl = `sqlite:${path.join(dir, 'app.db')}`;
    const key = secretKey();
    const sender = await createHookpost({ databaseUrl, secretKey: key, settings });
    try {
      await expect(createHookpost({ databaseUrl, secretKey: key, settings })).rejects.toMatchObject({ problem: 'database_in_use' });
      const publisher = await createHookpost({ databaseUrl, secretKey: key, settings, dispatch: false });
      await publisher.tenants.create({ id: 'school', name: 'School' });
      await publisher.close();
    } finally {
      await sender.close();
    }
    // Closing the sender releases the lock: the next sender starts.
    const next = await createHookpost({ databaseUrl, secretKey: key, settings });
    await next.close();
  });
});

describe('embedded Hookpost and background tasks', () => {
  it('finishes a wide fan-out whose writer died after its first part, as a server does', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-embedded-tasks-'));
    const databaseUrl = `sqlite:${path.join(dir, 'app.db')}`;
    const hookpost = await createHookpost({ databaseUrl, secretKey: secretKey(), settings });
    const receiver = await startReceiver();
    // The dead writer's connection: a plain store on the same file, which sends nothing.
    const store = await createStore(databaseUrl);
    try {
      await hookpost.tenants.create({ id: 'school', name: 'School' });
      await hookpost.eventTypes.define({ name: 'course.published' });
      const width = FAN_OUT_PART + 20;
      for (let i = 0; i < width; i += 1) await hookpost.subscriptions.create('school', { url: `${receiver.url}/${i}`, eventTypes: ['course.published'] });
      const now = Date.now();
      const event = { tenantId: 'school', id: newId('event'), type: 'course.published', data: { course: 'c1' }, resourceId: null, createdAt: now, deliverAt: null };
      const subscriptions = await store.findSubscriptionsForEvent('school', 'course.published');
      const parts = inParts({ event, deliveries: subscriptions.map((subscription) => newDelivery(subscription, event, now)) }, now);
      // As it left it: the event, its first part and the task, whose lease has run out.
      const started = parts.first.task!;
      await store.insertEvents([{ ...parts.first, task: { ...started, lease: { owner: 'writer-that-died', until: now - 1 } } }]);

      await receiver.waitFor(width, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.requests).toHaveLength(width);
      expect(new Set(receiver.requests.map((request) => request.path)).size).toBe(width);
    } finally {
      await store.close();
      await hookpost.close();
      await receiver.close();
    }
  });
});

const serverUrl = postgresServerUrl();

describe.skipIf(!serverUrl)('transactional outbox on PostgreSQL', () => {
  let hookpost: Hookpost;
  let receiver: Receiver;
  let app: pg.Pool;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase(serverUrl!, inject('postgresRunId'));
    hookpost = await createHookpost({ databaseUrl, secretKey: secretKey(), settings });
    receiver = await startReceiver();
    // The application's own pool and table, as a platform has them.
    app = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    await app.query('CREATE TABLE orders (id text PRIMARY KEY, total integer NOT NULL)');
    await hookpost.tenants.create({ id: 'shop', name: 'Shop' });
    await hookpost.eventTypes.define({ name: 'order.paid' });
    await hookpost.subscriptions.create('shop', { url: receiver.url, eventTypes: ['order.paid'] });
  });
  afterAll(async () => {
    await app.end();
    await hookpost.close();
    await receiver.close();
  });

  const eventCount = async (id: string) => Number((await app.query('SELECT count(*) FROM events WHERE id = $1', [id])).rows[0].count);

  it('writes the event with the caller\'s commit: invisible before, delivered after', async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, total) VALUES ($1, $2)', ['o-1', 4200]);
      const result = await hookpost.publish({ tenant: 'shop', type: 'order.paid', data: { order: 'o-1' }, id: 'order-o-1-paid' }, { client });
      expect(result).toMatchObject({ created: true, deliveries: 1 });
      // Not committed yet: no other connection sees it, and no worker can deliver it.
      expect(await eventCount('order-o-1-paid')).toBe(0);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await eventCount('order-o-1-paid')).toBe(1);
    const requests = await receiver.waitFor(1);
    expect(requests.some((r) => r.headers['webhook-id'] === 'order-o-1-paid' || r.body.includes('order-o-1-paid'))).toBe(true);
  });

  it('leaves no event and no delivery when the caller rolls back', async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, total) VALUES ($1, $2)', ['o-2', 100]);
      await hookpost.publish({ tenant: 'shop', type: 'order.paid', data: { order: 'o-2' }, id: 'order-o-2-paid' }, { client });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await app.query("SELECT count(*) FROM orders WHERE id = 'o-2'")).rows[0].count).toBe('0');
    expect(await eventCount('order-o-2-paid')).toBe(0);
    expect((await hookpost.deliveries.list('shop', { eventId: 'order-o-2-paid' })).items).toEqual([]);
  });

  it('is idempotent inside a transaction: a repeated id answers with the stored event and adds nothing', async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      const again = await hookpost.publish({ tenant: 'shop', type: 'order.paid', data: { order: 'o-1' }, id: 'order-o-1-paid' }, { client });
      await client.query('COMMIT');
      expect(again).toMatchObject({ created: false, deliveries: 0 });
      expect(again.event.createdAt).toEqual(expect.any(Number));
    } finally {
      client.release();
    }
    expect((await hookpost.deliveries.list('shop', { eventId: 'order-o-1-paid' })).items).toHaveLength(1);
  });

  it('rejects an unknown type before writing, so the caller can roll back', async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await expect(hookpost.publish({ tenant: 'shop', type: 'no.such', data: {} }, { client })).rejects.toMatchObject({ code: 'unknown_event_type' });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
