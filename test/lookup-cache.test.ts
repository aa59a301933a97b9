import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { createStore, type Store } from '../src/store/index.js';
import { describeEachStore } from './support/stores.js';
import { subscriptionRecord } from './support/subscription-record.js';

// The lookups of every publish and authenticated request come from memory (store/lookup-cache.ts),
// and a change made anywhere counts on the next lookup. Two stores on one database stand for two
// processes: `api` serves requests with its cache, `admin` changes things behind its back.

const T0 = 1_700_000_000_000;

describeEachStore('lookup cache', (testStore) => {
  let api: Store;
  let admin: Store;
  let url: string;

  beforeAll(async () => {
    url = await testStore.freshDatabaseUrl();
    admin = await createStore(url);
    await admin.migrate();
    api = await createStore(url);
  });
  afterAll(async () => {
    await api.close();
    await admin.close();
  });

  // A lookup as the next request makes it: in a later turn of the event loop (a request arrives
  // in its own). SQLite reads the generation row, so a change counts at once; PostgreSQL's notice
  // arrives a moment after the commit, and the first request after it sees the change.
  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + (testStore.name === 'sqlite' ? 0 : 2_000);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const value = await read();
      if (done(value) || Date.now() >= deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // On PostgreSQL, the notices of commits made so far have arrived (each drops the cache once).
  async function noticesArrived(): Promise<void> {
    if (testStore.name === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
  }

  async function newTenant(): Promise<string> {
    const id = newId('tenant');
    await admin.insertTenant({ id, name: 'Acme', createdAt: T0 });
    return id;
  }

  it('answers a repeated lookup from memory: the very same objects, no query', async () => {
    const tenantId = await newTenant();
    await admin.insertSubscription(subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] }));
    // Let PostgreSQL's listener connect and the notices of the inserts arrive.
    await eventually(() => api.findSubscriptionsForEvent(tenantId, 'order.created'), (found) => found.length === 1);
    await noticesArrived();
    const first = await api.findSubscriptionsForEvent(tenantId, 'order.created');
    const second = await api.findSubscriptionsForEvent(tenantId, 'order.created');
    expect(second).toBe(first);
    expect(Object.isFrozen(second[0])).toBe(true);
    expect(await api.getTenant(tenantId)).toBe(await api.getTenant(tenantId));
  });

  it('is left out for a caller that makes none of these lookups (lookupCache: false): each reads the database afresh', async () => {
    const plain = await createStore(url, { lookupCache: false });
    try {
      const tenantId = await newTenant();
      const first = await plain.getTenant(tenantId);
      const second = await plain.getTenant(tenantId);
      expect(second).toEqual(first);
      expect(second).not.toBe(first);
      expect(Object.isFrozen(second)).toBe(false);
    } finally {
      await plain.close();
    }
  });

  it('a key revoked by another process stops working on the next lookup', async () => {
    const tenantId = await newTenant();
    const key = { id: newId('apiKey'), tenantId, name: null, scopes: ['events:write' as const], tokenHash: newId('apiKey'), createdAt: T0, lastUsedAt: null, revokedAt: null };
    await admin.insertApiKey(key);
    await eventually(() => api.findApiKeyByHash(key.tokenHash), (k) => k !== undefined);
    await noticesArrived();
    const found = await api.findApiKeyByHash(key.tokenHash);
    expect(found?.revokedAt).toBeNull();
    expect(await api.findApiKeyByHash(key.tokenHash)).toBe(found);

    await admin.revokeApiKey(key.id, T0 + 1);
    const after = await eventually(() => api.findApiKeyByHash(key.tokenHash), (k) => k?.revokedAt !== null);
    expect(after?.revokedAt).toBe(T0 + 1);
  });

  it('a subscription disabled, deleted or created by another process changes matching on the next lookup', async () => {
    const tenantId = await newTenant();
    const kept = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] });
    const dropped = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] });
    await admin.insertSubscription(kept);
    await admin.insertSubscription(dropped);
    const ids = async () => (await api.findSubscriptionsForEvent(tenantId, 'order.created')).map((s) => s.id).sort();
    expect(await eventually(ids, (found) => found.length === 2)).toEqual([kept.id, dropped.id].sort());

    await admin.updateSubscription(tenantId, dropped.id, { active: false }, T0 + 1);
    expect(await eventually(ids, (found) => found.length === 1)).toEqual([kept.id]);

    const added = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] });
    await admin.insertSubscription(added);
    expect(await eventually(ids, (found) => found.length === 2)).toEqual([kept.id, added.id].sort());

    await admin.deleteSubscription(tenantId, kept.id);
    expect(await eventually(ids, (found) => found.length === 1)).toEqual([added.id]);
  });

  it('an event type defined by another process is found on the next lookup, though its absence was cached', async () => {
    const tenantId = await newTenant();
    const name = `custom.${newId('event')}`;
    expect(await api.getTenantEventType(tenantId, name)).toBeUndefined();
    expect(await api.getEventType(name)).toBeUndefined();
    await admin.upsertEventType({ name, description: 'shared', schema: null, example: null, createdAt: T0, updatedAt: T0 });
    await admin.upsertTenantEventType({
      tenantId,
      name,
      description: 'own',
      schemas: null,
      archived: false,
      deprecated: false,
      featureFlags: null,
      groupName: null,
      createdAt: T0,
      updatedAt: T0,
    });
    expect((await eventually(() => api.getEventType(name), (t) => t !== undefined))?.description).toBe('shared');
    expect((await eventually(() => api.getTenantEventType(tenantId, name), (t) => t !== undefined))?.description).toBe('own');
  });

  it('a change made through the same store counts at once, even before any notice arrives', async () => {
    const tenantId = await newTenant();
    const subscription = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] });
    await api.insertSubscription(subscription);
    expect(await api.findSubscriptionsForEvent(tenantId, 'order.created')).toHaveLength(1);
    await api.updateSubscription(tenantId, subscription.id, { active: false }, T0 + 1);
    expect(await api.findSubscriptionsForEvent(tenantId, 'order.created')).toHaveLength(0);
  });
});
