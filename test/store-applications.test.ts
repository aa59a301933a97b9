import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Application, HookEvent, IdempotentRequest, Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import { subscriptionRecord } from './support/subscription-record.js';
import { describeEachStore } from './support/stores.js';

// The ApplicationStore part of the Store interface (migration 0007), specified once and run
// against every store: applications, uids, channels and tags, tenant event types, idempotency keys.

const T0 = 1_700_000_000_000;

describeEachStore('store contract: applications, uids, tenant event types, idempotency keys', (testStore) => {
  let store: Store;
  let tenantId: string;

  beforeAll(async () => {
    store = await createStore(await testStore.freshDatabaseUrl());
    await store.migrate();
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    tenantId = newId('tenant');
    await store.insertTenant({ id: tenantId, name: 'Acme', createdAt: T0 });
  });

  const application = (fields: Partial<Application> = {}): Application => ({
    id: newId('application'),
    tenantId,
    uid: null,
    name: 'App',
    metadata: {},
    throttleRate: null,
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  });
  const subscription = (fields: Partial<Subscription> = {}): Subscription => subscriptionRecord(tenantId, T0, { format: 'svix', ...fields });
  const event = (fields: Partial<HookEvent> = {}): HookEvent => ({
    tenantId,
    id: newId('message'),
    type: 'svix:invoice.paid',
    data: { amount: 1 },
    resourceId: null,
    createdAt: T0,
    deliverAt: null,
    ...fields,
  });

  it('keeps application uids unique per tenant, finds by uid, lists both ways and updates', async () => {
    const first = application({ uid: 'acme' });
    await store.insertApplication(first);
    await expect(store.insertApplication(application({ uid: 'acme' }))).rejects.toMatchObject({ code: 'conflict', details: { reason: 'uid_taken' } });
    const second = application({ uid: 'beta' });
    await store.insertApplication(second);
    expect(await store.getApplicationByUid(tenantId, 'acme')).toEqual(first);
    expect((await store.listApplications(tenantId, { cursor: null, limit: 10 }, false)).items.map((a) => a.id)).toEqual([first.id, second.id]);
    const page = await store.listApplications(tenantId, { cursor: null, limit: 1 }, true);
    expect(page.items.map((a) => a.id)).toEqual([second.id]);
    expect((await store.listApplications(tenantId, { cursor: page.nextCursor, limit: 1 }, true)).items.map((a) => a.id)).toEqual([first.id]);
    await expect(store.updateApplication(tenantId, second.id, { uid: 'acme' }, T0 + 1)).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.updateApplication(tenantId, second.id, { name: 'Beta', metadata: { a: 'b' } }, T0 + 1)).toMatchObject({ name: 'Beta', metadata: { a: 'b' }, updatedAt: T0 + 1 });
  });

  it('deletes an application with its subscriptions, and keeps subscription uids unique per application', async () => {
    const app = application();
    await store.insertApplication(app);
    const sub = subscription({ applicationId: app.id, uid: 'primary', channels: ['eu'] });
    await store.insertSubscription(sub);
    await expect(store.insertSubscription(subscription({ applicationId: app.id, uid: 'primary' }))).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.getSubscriptionByUid(tenantId, app.id, 'primary')).toMatchObject({ id: sub.id, channels: ['eu'], applicationId: app.id });
    expect((await store.listSubscriptions(tenantId, { applicationId: app.id }, { cursor: null, limit: 10 })).items.map((s) => s.id)).toEqual([sub.id]);
    expect((await store.listSubscriptions(tenantId, { applicationId: null }, { cursor: null, limit: 10 })).items).toEqual([]);
    expect(await store.deleteApplication(tenantId, app.id)).toBe(true);
    expect(await store.getSubscription(tenantId, sub.id)).toBeUndefined();
  });

  it('stores events with application, uid, channels and tags, refuses a second uid, and lists them filtered, newest first', async () => {
    const app = application();
    await store.insertApplication(app);
    const paid = event({ applicationId: app.id, uid: 'inv-1', channels: ['eu'], tags: ['vip'], createdAt: T0 });
    const voided = event({ applicationId: app.id, type: 'svix:invoice.voided', channels: ['us'], createdAt: T0 + 10 });
    await store.insertEventWithDeliveries(paid, []);
    await store.insertEventWithDeliveries(voided, []);
    await expect(store.insertEventWithDeliveries(event({ applicationId: app.id, uid: 'inv-1' }), [])).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.getEventByUid(tenantId, app.id, 'inv-1')).toMatchObject({ id: paid.id, channels: ['eu'], tags: ['vip'] });

    const list = (query: Parameters<Store['listApplicationEvents']>[2]) =>
      store.listApplicationEvents(tenantId, app.id, query, { cursor: null, limit: 10 }).then((page) => page.items.map((e) => e.id));
    expect(await list({})).toEqual([voided.id, paid.id]);
    expect(await list({ channel: 'eu' })).toEqual([paid.id]);
    expect(await list({ tag: 'vip' })).toEqual([paid.id]);
    expect(await list({ eventTypes: ['svix:invoice.voided'] })).toEqual([voided.id]);
    expect(await list({ before: T0 + 10 })).toEqual([paid.id]);
    expect(await list({ after: T0 })).toEqual([voided.id]);
    const first = await store.listApplicationEvents(tenantId, app.id, {}, { cursor: null, limit: 1 });
    expect((await store.listApplicationEvents(tenantId, app.id, {}, { cursor: first.nextCursor, limit: 1 })).items.map((e) => e.id)).toEqual([paid.id]);
  });

  it('keeps tenant event types per tenant and hides archived ones unless asked', async () => {
    const type = { tenantId, name: 'svix:a', description: 'A', schemas: { '1': { type: 'object' } }, archived: false, deprecated: false, featureFlags: null, groupName: 'g', createdAt: T0, updatedAt: T0 };
    await store.upsertTenantEventType(type);
    await store.upsertTenantEventType({ ...type, name: 'svix:b', archived: true });
    expect(await store.getTenantEventType(tenantId, 'svix:a')).toEqual(type);
    expect((await store.listTenantEventTypes(tenantId, false, { cursor: null, limit: 10 })).items.map((t) => t.name)).toEqual(['svix:a']);
    expect((await store.listTenantEventTypes(tenantId, true, { cursor: null, limit: 10 })).items.map((t) => t.name)).toEqual(['svix:a', 'svix:b']);
    expect(await store.getTenantEventType(newId('tenant'), 'svix:a')).toBeUndefined();
    expect(await store.deleteTenantEventType(tenantId, 'svix:a')).toBe(true);
  });

  it('claims an idempotency key once, replays its answer, and frees a stale or released one', async () => {
    const request = (createdAt: number): IdempotentRequest => ({ tenantId, key: 'k', fingerprint: 'POST /x', state: 'pending', status: null, body: null, createdAt });
    expect(await claimIdempotencyKey(store, request(T0), T0 - 1000)).toMatchObject({ state: 'pending', createdAt: T0 });
    expect(await claimIdempotencyKey(store, request(T0 + 5), T0 - 1000)).toMatchObject({ state: 'pending', createdAt: T0 });
    await store.finishIdempotentRequests([{ tenantId, key: 'k', status: 202, body: '{"id":"msg_1"}' }]);
    expect(await claimIdempotencyKey(store, request(T0 + 6), T0 - 1000)).toMatchObject({ state: 'done', status: 202, body: '{"id":"msg_1"}' });
    // Past its lifetime the key is free again.
    expect(await claimIdempotencyKey(store, request(T0 + 7), T0 + 1)).toMatchObject({ state: 'pending', createdAt: T0 + 7 });
    await store.releaseIdempotencyKey(tenantId, 'k');
    expect(await claimIdempotencyKey(store, request(T0 + 8), T0)).toMatchObject({ state: 'pending', createdAt: T0 + 8 });
  });

  it('claims several keys in one write, in order: a later claim of the same key in the group sees the earlier one', async () => {
    const request = (key: string, createdAt: number): IdempotentRequest => ({ tenantId, key, fingerprint: 'POST /x', state: 'pending', status: null, body: null, createdAt });
    const held = await store.claimIdempotencyKeys([
      { request: request('g1', T0), reusableBefore: T0 - 1000 },
      { request: request('g2', T0 + 1), reusableBefore: T0 - 1000 },
      { request: request('g1', T0 + 2), reusableBefore: T0 - 1000 },
    ]);
    expect(held.map((h) => [h.key, h.createdAt])).toEqual([
      ['g1', T0],
      ['g2', T0 + 1],
      ['g1', T0],
    ]);
  });

  it('records the answers of several idempotent requests in one write, each under its own key', async () => {
    const request = (key: string): IdempotentRequest => ({ tenantId, key, fingerprint: 'POST /x', state: 'pending', status: null, body: null, createdAt: T0 });
    for (const key of ['a', 'b', 'c']) await claimIdempotencyKey(store, request(key), T0 - 1000);
    await store.finishIdempotentRequests([
      { tenantId, key: 'a', status: 202, body: '{"id":"msg_a"}' },
      { tenantId, key: 'b', status: 409, body: '{"code":"conflict"}' },
    ]);
    expect(await claimIdempotencyKey(store, request('a'), T0 - 1000)).toMatchObject({ state: 'done', status: 202, body: '{"id":"msg_a"}' });
    expect(await claimIdempotencyKey(store, request('b'), T0 - 1000)).toMatchObject({ state: 'done', status: 409, body: '{"code":"conflict"}' });
    expect(await claimIdempotencyKey(store, request('c'), T0 - 1000)).toMatchObject({ state: 'pending', status: null });
    await store.finishIdempotentRequests([]);
  });
});

/** One claim through the store's group write. */
async function claimIdempotencyKey(store: Store, request: IdempotentRequest, reusableBefore: number): Promise<IdempotentRequest> {
  const [held] = await store.claimIdempotencyKeys([{ request, reusableBefore }]);
  return held!;
}
