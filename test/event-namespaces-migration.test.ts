import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import { subscriptionRecord } from './support/subscription-record.js';
import { describeEachStore } from './support/stores.js';

// Migration 0003 moves the webhooks a platform door made before namespaces existed (listing bare
// names such as `order.created`) into that platform's namespace (`thinkific:order.created`).

const T0 = 1_700_000_000_000;

/** Forgets that migration 0003 ran, as on a database last migrated by the previous release. */
async function forgetMigration3(databaseUrl: string): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    db.prepare('DELETE FROM schema_migrations WHERE version = 3').run();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('DELETE FROM schema_migrations WHERE version = 3');
  await client.end();
}

describeEachStore('migration 0003: platform webhooks into their namespaces', (testStore) => {
  let url: string;
  let store: Store;
  const tenantId = newId('tenant');
  const subscription = (format: string, eventTypes: string[]): Subscription => subscriptionRecord(tenantId, T0, { format, eventTypes });

  beforeAll(async () => {
    url = await testStore.freshDatabaseUrl();
    store = await createStore(url);
    await store.migrate();
  });
  afterAll(() => store.close());

  it('qualifies the bare names of platform webhooks, in order, and leaves native subscriptions alone', async () => {
    await store.insertTenant({ id: tenantId, name: 'Old shop', createdAt: T0 });
    const thinkific = subscription('thinkific', ['order.created', 'enrollment.created']);
    const native = subscription('native', ['order.created']);
    const timeback = subscription('timeback', ['TimeSpentEvent', 'ActivityEvent']);
    const wildcard = subscription('native', ['*']);
    for (const s of [thinkific, native, timeback, wildcard]) await store.insertSubscription(s);

    await store.close();
    await forgetMigration3(url);
    store = await createStore(url);
    await store.migrate();

    expect((await store.getSubscription(tenantId, thinkific.id))!.eventTypes).toEqual(['thinkific:order.created', 'thinkific:enrollment.created']);
    expect((await store.getSubscription(tenantId, timeback.id))!.eventTypes).toEqual(['timeback:TimeSpentEvent', 'timeback:ActivityEvent']);
    expect((await store.getSubscription(tenantId, native.id))!.eventTypes).toEqual(['order.created']);
    const ids = async (type: string) => (await store.findSubscriptionsForEvent(tenantId, type)).map((s) => s.id).sort();
    expect(await ids('thinkific:order.created')).toEqual([thinkific.id, wildcard.id].sort());
    expect(await ids('order.created')).toEqual([native.id, wildcard.id].sort());
    expect(await ids('timeback:ActivityEvent')).toEqual([timeback.id, wildcard.id].sort());

    // Running it on qualified names changes nothing.
    await store.close();
    await forgetMigration3(url);
    store = await createStore(url);
    await store.migrate();
    expect((await store.getSubscription(tenantId, thinkific.id))!.eventTypes).toEqual(['thinkific:order.created', 'thinkific:enrollment.created']);
  });
});
