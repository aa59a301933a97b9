import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Attempt, HookEvent, Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import type { DeliveryOutcome } from '../src/store/store.js';
import { TABLES } from '../src/store/tables.js';
import { subscriptionRecord } from './support/subscription-record.js';
import { describeEachStore, type TestStore } from './support/stores.js';

// The Store interface, specified once and run against every store. Times are passed in, so
// leases and due times are exact, with no waiting.

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

describeEachStore('store contract', (testStore) => {
  let url: string;
  let store: Store;
  let tenantId: string;
  const opened: Store[] = [];

  async function open(databaseUrl = url): Promise<Store> {
    const another = await createStore(databaseUrl);
    opened.push(another);
    return another;
  }

  beforeAll(async () => {
    url = await testStore.freshDatabaseUrl();
    store = await open();
    await store.migrate();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  // Each specification has its own tenant and starts with nothing claimable: whatever earlier ones
  // left in the queue is claimed far in the future and failed for good.
  const clock = T0;
  beforeEach(async () => {
    tenantId = newId('tenant');
    await store.insertTenant({ id: tenantId, name: 'Acme', createdAt: T0 });
    for (;;) {
      const leftovers = await claim('cleaner', T0 * 2, 1000);
      if (leftovers.length === 0) break;
      await store.recordOutcomes(leftovers.map((c) => outcome(c.delivery.id, 'cleaner', 'failed')));
    }
  });

  async function addSubscription(fields: Partial<Subscription> = {}): Promise<Subscription> {
    const subscription = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'], metadata: { team: 'billing' }, ...fields });
    await store.insertSubscription(subscription);
    return subscription;
  }

  function newEvent(fields: Partial<HookEvent> = {}): HookEvent {
    return { tenantId, id: newId('event'), type: 'order.created', data: { z: 1, a: [1, 'two'] }, resourceId: null, createdAt: T0, deliverAt: null, ...fields };
  }

  /** Publishes one event with one delivery per subscription, due at `dueAt`; returns the delivery ids. */
  async function publishTo(subscriptions: Subscription[], dueAt = clock, event = newEvent()): Promise<string[]> {
    const deliveries = subscriptions.map((s) => ({ id: newId('delivery'), subscriptionId: s.id, dueAt }));
    for (const d of deliveries) published.set(d.id, { subscriptionId: d.subscriptionId, eventId: event.id });
    await store.insertEventWithDeliveries(event, deliveries);
    return deliveries.map((d) => d.id);
  }

  // What each delivery published here belongs to, for the outcomes recorded of it.
  const published = new Map<string, { subscriptionId: string; eventId: string }>();

  function outcome(deliveryId: string, owner: string, status: DeliveryOutcome['status'], fields: Partial<DeliveryOutcome> = {}, attempt: Partial<Attempt> = {}): DeliveryOutcome {
    return {
      deliveryId,
      owner,
      tenantId,
      subscriptionId: published.get(deliveryId)?.subscriptionId ?? '',
      eventId: published.get(deliveryId)?.eventId ?? '',
      eventType: 'order.created',
      status,
      nextAttemptAt: null,
      disableSubscription: null,
      attempt: {
        id: newId('attempt'),
        deliveryId,
        number: 1,
        startedAt: clock,
        durationMs: 12,
        statusCode: status === 'succeeded' ? 200 : 500,
        responseBody: 'ok',
        errorClass: status === 'succeeded' ? null : 'bad_status',
        errorMessage: null,
        succeeded: status === 'succeeded',
        ...attempt,
      },
      ...fields,
    };
  }

  const claim = (owner: string, now = clock, limit = 100, s = store) => s.claimDueDeliveries({ owner, now, leaseMs: LEASE, limit });
  const idsOf = (claimed: { delivery: { id: string } }[]) => claimed.map((c) => c.delivery.id).sort();

  describe('migrations', () => {
    it('can be applied again, and by several processes at once', async () => {
      const others = await Promise.all([open(), open(), open()]);
      await Promise.all([store.migrate(), ...others.map((s) => s.migrate())]);
      expect(await others[0]!.getTenant(tenantId)).toMatchObject({ id: tenantId });
    });
  });

  describe('events', () => {
    it('inserts an event once: a repeated id answers the stored event and adds no deliveries', async () => {
      const subscription = await addSubscription();
      const event = newEvent({ data: { first: true } });
      const first = await store.insertEventWithDeliveries(event, [{ id: newId('delivery'), subscriptionId: subscription.id, dueAt: clock }]);
      const again = await store.insertEventWithDeliveries({ ...event, data: { first: false } }, [
        { id: newId('delivery'), subscriptionId: subscription.id, dueAt: clock },
      ]);
      expect(first).toEqual({ created: true, event });
      expect(again).toEqual({ created: false, event });
      expect((await store.listDeliveries(tenantId, { eventId: event.id }, { cursor: null, limit: 10 })).items).toHaveLength(1);
    });

    it('keeps the payload as published, key order included', async () => {
      const event = newEvent({ data: { zeta: 1, alpha: { y: 2, b: [3, null, 'x\u0000y'] }, big: 1.5e300 } });
      await store.insertEventWithDeliveries(event, []);
      const stored = await store.getEvent(tenantId, event.id);
      expect(JSON.stringify(stored!.data)).toBe(JSON.stringify(event.data));
    });

    it('pages events newest first with a cursor', async () => {
      const events = [0, 1, 2, 3, 4].map((i) => newEvent({ createdAt: T0 + Math.floor(i / 2) }));
      for (const event of events) await store.insertEventWithDeliveries(event, []);
      const seen = await collectPages((cursor) => store.listEvents(tenantId, { cursor, limit: 2 }));
      const expected = [...events].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((e) => e.id);
      expect(seen.map((e) => e.id)).toEqual(expected);
    });
  });

  describe('subscriptions', () => {
    it('finds the active subscriptions of the tenant listing the type or "*"', async () => {
      const exact = await addSubscription({ eventTypes: ['order.created', 'order.paid'] });
      const wildcard = await addSubscription({ eventTypes: ['*'] });
      await addSubscription({ eventTypes: ['order.paid'] });
      await addSubscription({ eventTypes: ['order.created'], active: false });
      const otherTenant = newId('tenant');
      await store.insertTenant({ id: otherTenant, name: 'Other', createdAt: T0 });
      await store.insertSubscription({ ...exact, id: newId('subscription'), tenantId: otherTenant });

      const found = await store.findSubscriptionsForEvent(tenantId, 'order.created');
      expect(found.map((s) => s.id).sort()).toEqual([exact.id, wildcard.id].sort());
      expect(found.find((s) => s.id === exact.id)).toEqual(exact);
    });

    it('re-indexes the event types when they change, and keeps other fields', async () => {
      const subscription = await addSubscription({ eventTypes: ['order.created'] });
      const updated = await store.updateSubscription(tenantId, subscription.id, { eventTypes: ['order.paid'], name: 'renamed' }, T0 + 5);
      expect(updated).toEqual({ ...subscription, eventTypes: ['order.paid'], name: 'renamed', updatedAt: T0 + 5 });
      expect(await store.findSubscriptionsForEvent(tenantId, 'order.created')).toEqual([]);
      expect((await store.findSubscriptionsForEvent(tenantId, 'order.paid')).map((s) => s.id)).toEqual([subscription.id]);
      expect(await store.getSubscription(tenantId, subscription.id)).toEqual(updated);
      expect(await store.updateSubscription(tenantId, 'sub_missing', { name: 'x' }, T0)).toBeUndefined();
    });

    it('deletes a subscription only within its tenant', async () => {
      const subscription = await addSubscription();
      expect(await store.deleteSubscription('someone-else', subscription.id)).toBe(false);
      expect(await store.deleteSubscription(tenantId, subscription.id)).toBe(true);
      expect(await store.getSubscription(tenantId, subscription.id)).toBeUndefined();
      expect(await store.deleteSubscription(tenantId, subscription.id)).toBe(false);
    });

    it('pages subscriptions in id order, filtered by format', async () => {
      const native = [await addSubscription(), await addSubscription(), await addSubscription()];
      await addSubscription({ format: 'kajabi' });
      const seen = await collectPages((cursor) => store.listSubscriptions(tenantId, { format: 'native' }, { cursor, limit: 2 }));
      expect(seen.map((s) => s.id)).toEqual(native.map((s) => s.id));
    });
  });

  describe('tenants, keys and event types', () => {
    it('refuses a second tenant with the same id', async () => {
      await expect(store.insertTenant({ id: tenantId, name: 'Again', createdAt: T0 })).rejects.toMatchObject({ code: 'conflict' });
    });

    it('pages tenants and event types by key, and rejects a cursor it did not give out', async () => {
      const names = ['a', 'b', 'c'].map((s) => `${tenantId}.${s}`);
      for (const name of names) await store.upsertEventType({ name, description: name, schema: { type: 'object' }, example: null, createdAt: T0, updatedAt: T0 });
      await store.upsertEventType({ name: names[0]!, description: 'changed', schema: null, example: { x: 1 }, createdAt: T0 + 1, updatedAt: T0 + 9 });
      expect(await store.getEventType(names[0]!)).toEqual({ name: names[0], description: 'changed', schema: null, example: { x: 1 }, createdAt: T0, updatedAt: T0 + 9 });
      const types = await collectPages((cursor) => store.listEventTypes({ cursor, limit: 2 }));
      expect(types.map((t) => t.name).filter((n) => n.startsWith(tenantId))).toEqual(names);
      const tenants = await collectPages((cursor) => store.listTenants({ cursor, limit: 2 }));
      expect(tenants.map((t) => t.id)).toEqual([...tenants.map((t) => t.id)].sort());
      expect(tenants.map((t) => t.id)).toContain(tenantId);
      await expect(store.listTenants({ cursor: 'not-a-cursor!', limit: 2 })).rejects.toMatchObject({ code: 'bad_request' });
    });

    it('finds a key by its hash and records its use', async () => {
      const key = { id: newId('apiKey'), tenantId, name: null, scopes: ['events:write'], tokenHash: `hash-${tenantId}`, createdAt: T0, lastUsedAt: null, revokedAt: null };
      await store.insertApiKey(key);
      expect(await store.findApiKeyByHash(key.tokenHash)).toEqual(key);
      await store.touchApiKey(key.id, T0 + 60_000);
      expect(await store.findApiKeyByHash(key.tokenHash)).toEqual({ ...key, lastUsedAt: T0 + 60_000 });
      expect(await store.findApiKeyByHash('nope')).toBeUndefined();
    });
  });

  describe('key management, audit log and secret rotation', () => {
    const newKey = (tenant: string | null, n: number) => ({
      id: newId('apiKey'),
      tenantId: tenant,
      name: `k${n}`,
      scopes: ['events:write'],
      tokenHash: `hash-${randomUUID()}`,
      createdAt: T0,
      lastUsedAt: null,
      revokedAt: null,
    });

    it('lists a tenant\'s keys (or the admin keys) oldest first, and revokes a live key once', async () => {
      const keys = [newKey(tenantId, 1), newKey(tenantId, 2), newKey(tenantId, 3)];
      const adminKey = newKey(null, 4);
      for (const key of [...keys, adminKey]) await store.insertApiKey(key);
      const listed = await collectPages((cursor) => store.listApiKeys(tenantId, { cursor, limit: 2 }));
      expect(listed).toEqual(keys);
      expect((await collectPages((cursor) => store.listApiKeys(null, { cursor, limit: 100 }))).map((k) => k.id)).toContain(adminKey.id);
      expect(await store.getApiKey(keys[0]!.id)).toEqual(keys[0]);
      expect(await store.revokeApiKey(keys[0]!.id, T0 + 1)).toBe(true);
      expect(await store.revokeApiKey(keys[0]!.id, T0 + 2)).toBe(false);
      expect(await store.revokeApiKey('key_missing', T0)).toBe(false);
      expect(await store.getApiKey(keys[0]!.id)).toMatchObject({ revokedAt: T0 + 1 });
    });

    it('pages audit entries newest first, by tenant and action', async () => {
      const entry = (n: number, action: string) => ({
        id: newId('audit'),
        at: T0 + n,
        actor: { kind: 'api_key' as const, id: `key_${n}` },
        action,
        tenantId,
        targetType: 'subscription',
        targetId: `sub_${n}`,
        details: { n, nested: { ok: true } },
      });
      const entries = [entry(1, 'subscription.created'), entry(2, 'subscription.deleted'), entry(3, 'subscription.created')];
      await store.insertAuditEntries(entries);
      const all = await collectPages((cursor) => store.listAuditEntries({ tenantId }, { cursor, limit: 2 }));
      expect(all).toEqual([...entries].reverse());
      const created = await store.listAuditEntries({ tenantId, action: 'subscription.created' }, { cursor: null, limit: 10 });
      expect(created.items.map((e) => e.id)).toEqual([entries[2]!.id, entries[0]!.id]);
    });

    it('re-seals secrets only where they still hold the value that was read', async () => {
      const [a, b] = [await addSubscription({ sealedSecret: 'old-a' }), await addSubscription({ sealedSecret: 'old-b' })];
      const listed = await store.listSealedSecrets(null, 10_000);
      expect(listed).toEqual(expect.arrayContaining([{ id: a.id, sealed: 'old-a' }, { id: b.id, sealed: 'old-b' }]));
      const afterA = await store.listSealedSecrets(a.id, 10_000);
      expect(afterA.map((v) => v.id)).not.toContain(a.id);
      expect(afterA.map((v) => v.id)).toContain(b.id);
      await store.updateSubscription(tenantId, b.id, { sealedSecret: 'changed-meanwhile' }, T0);
      const replaced = await store.replaceSealedSecrets([
        { id: a.id, from: 'old-a', to: 'new-a' },
        { id: b.id, from: 'old-b', to: 'new-b' },
      ]);
      expect(replaced).toBe(1);
      expect((await store.getSubscription(tenantId, a.id))!.sealedSecret).toBe('new-a');
      expect((await store.getSubscription(tenantId, b.id))!.sealedSecret).toBe('changed-meanwhile');
    });
  });

  describe('the queue', () => {
    it('claims due deliveries, oldest first, up to the limit, with their event and subscription', async () => {
      const subscription = await addSubscription();
      const event = newEvent();
      const [later] = await publishTo([subscription], clock - 1, event);
      const [earlier] = await publishTo([subscription], clock - 2);
      await publishTo([subscription], clock + 1); // not due yet

      const [first] = await claim('w1', clock, 1);
      expect(first!.delivery).toMatchObject({ id: earlier, status: 'in_flight', tenantId, subscriptionId: subscription.id });
      const [second, ...none] = await claim('w1');
      expect(none).toEqual([]);
      expect(second!.delivery.id).toBe(later);
      expect(second!.event).toEqual(event);
      expect(second!.subscription).toEqual(subscription);
    });

    it('holds a claim until its lease expires; then another dispatcher gets it and the first one loses it', async () => {
      const [id] = await publishTo([await addSubscription()]);
      expect(idsOf(await claim('w1'))).toEqual([id]);
      expect(await claim('w2', clock + LEASE - 1)).toEqual([]);
      expect(idsOf(await claim('w2', clock + LEASE))).toEqual([id]);

      // The first holder's outcome comes too late: its attempt is kept, but the delivery stays with w2.
      await store.recordOutcomes([outcome(id!, 'w1', 'succeeded')]);
      const delivery = await store.getDelivery(tenantId, id!);
      expect(delivery).toMatchObject({ status: 'in_flight', attemptCount: 0 });
      await store.recordOutcomes([outcome(id!, 'w2', 'succeeded')]);
      expect(await store.getDelivery(tenantId, id!)).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    });

    it('extends the leases a dispatcher renews, and only its own', async () => {
      const subscription = await addSubscription();
      const [mine] = await publishTo([subscription]);
      expect(idsOf(await claim('w1'))).toEqual([mine]);
      await store.renewLeases('w2', [mine!], clock + 10 * LEASE); // not w2's: no effect
      await store.renewLeases('w1', [mine!], clock + 2 * LEASE);
      expect(await claim('w2', clock + LEASE)).toEqual([]);
      expect(idsOf(await claim('w2', clock + 2 * LEASE))).toEqual([mine]);
    });

    it('takes back released deliveries, due when the releaser says', async () => {
      const [id] = await publishTo([await addSubscription()]);
      await claim('w1');
      await store.releaseDeliveries('w2', [id!], clock); // not w2's
      expect(await claim('w3', clock + 1)).toEqual([]);
      await store.releaseDeliveries('w1', [id!], clock + 5);
      expect(await store.getDelivery(tenantId, id!)).toMatchObject({ status: 'pending', nextAttemptAt: clock + 5, attemptCount: 0 });
      expect(await claim('w3', clock + 4)).toEqual([]);
      expect(idsOf(await claim('w3', clock + 5))).toEqual([id]);
    });

    it('records attempts in order and moves deliveries on: done, due again later, or failed', async () => {
      const subscription = await addSubscription();
      const [done, again, failed] = await publishTo([subscription, subscription, subscription]);
      await claim('w1');
      await store.recordOutcomes([
        outcome(done!, 'w1', 'succeeded', {}, { responseBody: 'with a NUL \u0000 inside' }),
        outcome(again!, 'w1', 'pending', { nextAttemptAt: clock + 5_000 }),
        outcome(failed!, 'w1', 'failed'),
      ]);
      const succeeded = await store.getDelivery(tenantId, done!);
      expect(succeeded).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 200, nextAttemptAt: null });
      expect(succeeded!.attempts).toHaveLength(1);
      expect(succeeded!.attempts[0]).toMatchObject({ number: 1, statusCode: 200, succeeded: true, durationMs: 12, startedAt: clock });
      expect(succeeded!.attempts[0]!.responseBody).toMatch(/^with a NUL . inside$/);
      expect(await store.getDelivery(tenantId, failed!)).toMatchObject({ status: 'failed', lastError: 'bad_status', nextAttemptAt: null });
      expect(await store.getDelivery(tenantId, again!)).toMatchObject({ status: 'pending', nextAttemptAt: clock + 5_000 });

      expect(await claim('w1', clock + 4_999)).toEqual([]);
      const [retry] = await claim('w1', clock + 5_000);
      expect(retry!.delivery).toMatchObject({ id: again, attemptCount: 1 });
      await store.recordOutcomes([outcome(again!, 'w1', 'succeeded', {}, { number: 2 })]);
      const twice = await store.getDelivery(tenantId, again!);
      expect(twice!.attempts.map((a) => [a.number, a.succeeded])).toEqual([
        [1, false],
        [2, true],
      ]);
      // Recording the same batch again (a retry after a lost answer) changes nothing.
      await store.recordOutcomes([outcome(again!, 'w1', 'succeeded', {}, { id: twice!.attempts[1]!.id, number: 2 })]);
      expect((await store.getDelivery(tenantId, again!))!.attempts).toHaveLength(2);
    });

    it('disables a subscription whose receiver answered 410, and claims none of its deliveries', async () => {
      const subscription = await addSubscription();
      const [gone, waiting] = await publishTo([subscription, subscription]);
      const claimed = await claim('w1', clock, 1);
      const [first, second] = claimed[0]!.delivery.id === gone ? [gone!, waiting!] : [waiting!, gone!];
      await store.recordOutcomes([outcome(first, 'w1', 'failed', { disableSubscription: { id: subscription.id, reason: '410 Gone' } })]);
      expect(await store.getSubscription(tenantId, subscription.id)).toMatchObject({ active: false, disabledReason: '410 Gone' });
      expect(await claim('w1', clock + 1)).toEqual([]);
      expect(await store.getDelivery(tenantId, second)).toMatchObject({ status: 'pending' });
    });

    it('requeues a finished delivery now, but not one in flight', async () => {
      const [id] = await publishTo([await addSubscription()]);
      await claim('w1');
      expect(await store.requeueDelivery(tenantId, id!, clock + 1)).toMatchObject({ requeued: false, delivery: { status: 'in_flight' } });
      await store.recordOutcomes([outcome(id!, 'w1', 'failed')]);
      const requeued = await store.requeueDelivery(tenantId, id!, clock + 2);
      expect(requeued).toMatchObject({ requeued: true, delivery: { id, status: 'pending', nextAttemptAt: clock + 2, attemptCount: 1 } });
      expect(idsOf(await claim('w2', clock + 2))).toEqual([id]);
      expect(await store.requeueDelivery(tenantId, 'dlv_missing', clock)).toBeUndefined();
      expect(await store.requeueDelivery('another-tenant', id!, clock)).toBeUndefined();
    });

    it('pages deliveries newest first, filtered by event, subscription and status', async () => {
      const [a, b] = [await addSubscription(), await addSubscription()];
      const event = newEvent();
      const ids = [...(await publishTo([a, b], clock, event)), ...(await publishTo([a])), ...(await publishTo([a]))];
      const all = await collectPages((cursor) => store.listDeliveries(tenantId, {}, { cursor, limit: 2 }));
      expect(all.map((d) => d.id)).toEqual([...ids].sort().reverse());
      const ofEvent = await collectPages((cursor) => store.listDeliveries(tenantId, { eventId: event.id }, { cursor, limit: 1 }));
      expect(ofEvent.map((d) => d.id).sort()).toEqual(ids.slice(0, 2).sort());
      const ofB = await store.listDeliveries(tenantId, { subscriptionId: b.id, status: 'pending' }, { cursor: null, limit: 10 });
      expect(ofB.items.map((d) => d.id)).toEqual([ids[1]]);
      expect((await store.listDeliveries(tenantId, { status: 'succeeded' }, { cursor: null, limit: 10 })).items).toEqual([]);
    });

    it('wakes listeners when deliveries are published or requeued (in other processes too, where the store can)', async () => {
      const subscription = await addSubscription();
      const listener = store.capabilities.crossProcessWakeups ? await open() : store;
      let wakeups = 0;
      const unsubscribe = listener.onDeliveriesDue(() => (wakeups += 1));
      // A fresh listener may need a moment to connect; keep publishing until one is heard.
      const deadline = Date.now() + 10_000;
      while (wakeups === 0 && Date.now() < deadline) {
        await publishTo([subscription]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(wakeups).toBeGreaterThan(0);
      unsubscribe();
      const heard = wakeups;
      await publishTo([subscription]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(wakeups).toBe(heard);
    });

    it('never hands one delivery to two claimers at once (where several may claim)', async () => {
      if (!store.capabilities.concurrentClaimers) return;
      const subscription = await addSubscription();
      const published: string[] = [];
      for (let i = 0; i < 10; i += 1) published.push(...(await publishTo(Array.from({ length: 20 }, () => subscription))));
      const claimers = await Promise.all([open(), open(), open(), open()]);
      const claimed = await Promise.all(
        claimers.map(async (claimer, n) => {
          const mine: string[] = [];
          for (;;) {
            // No per-subscription bound here: this is about disjoint claims, not fair shares.
            const batch = await claimer.claimDueDeliveries({ owner: `w${n}`, now: clock, leaseMs: LEASE, limit: 7, perSubscription: 1000 });
            if (batch.length === 0) return mine;
            mine.push(...idsOf(batch));
          }
        }),
      );
      const all = claimed.flat();
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(published.sort());
      expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
    });
  });

  describe('copying a store', () => {
    it('exports every table in batches and imports it into an empty store unchanged, and again without duplicates', async () => {
      const subscription = await addSubscription({ filter: { field: 'data.total', op: 'gt', value: 5 } as never, active: false, disabledReason: 'gone' });
      const [id] = await publishTo([subscription]);
      await store.insertApiKey({ id: newId('apiKey'), tenantId, name: 'k', scopes: ['admin'], tokenHash: `h-${tenantId}`, createdAt: T0, lastUsedAt: null, revokedAt: null });
      await store.updateSubscription(tenantId, subscription.id, { active: true }, T0);
      await store.insertAuditEntries([{ id: newId('audit'), at: T0, actor: { kind: 'admin', id: 'admin' }, action: 'subscription.created', tenantId, targetType: 'subscription', targetId: subscription.id, details: { url: subscription.url } }]);
      await claim('w1');
      await store.recordOutcomes([outcome(id!, 'w1', 'pending', { nextAttemptAt: clock + 1 })]);
      // Migration 0007's tables (applications, tenant event types, idempotency keys) travel too.
      await store.insertApplication({ id: newId('application'), tenantId, uid: 'acme', name: 'App', metadata: { a: 'b' }, throttleRate: null, createdAt: T0, updatedAt: T0 });
      await store.upsertTenantEventType({ tenantId, name: 'svix:a', description: 'A', schemas: { '1': {} }, archived: false, deprecated: false, featureFlags: null, groupName: null, createdAt: T0, updatedAt: T0 });
      await store.claimIdempotencyKeys([{ request: { tenantId, key: 'k', fingerprint: 'POST /x', state: 'pending', status: null, body: null, createdAt: T0 }, reusableBefore: 0 }]);
      const task = { id: newId('task'), tenantId, kind: 'recover', status: 'running', params: { since: 'x' }, progress: { requeued: 1 }, cursor: null, createdAt: T0, updatedAt: T0, finishedAt: null } as const;
      await store.startTask({ ...task, params: { ...task.params }, progress: { ...task.progress } }, `copy-${tenantId}`);

      const target = await open(await testStore.freshDatabaseUrl());
      await target.migrate();
      const dump = async (s: Store) => {
        const tables: Record<string, unknown[]> = {};
        for (const { name } of TABLES) {
          const rows: unknown[] = [];
          for (let after: string | null = null, first = true; first || after !== null; first = false) {
            const batch = await s.exportRows(name, after, 3);
            rows.push(...batch.rows);
            after = batch.next;
          }
          tables[name] = rows;
        }
        return tables;
      };
      const source = await dump(store);
      for (let pass = 0; pass < 2; pass += 1) {
        for (const { name } of TABLES) await target.importRows(name, source[name] as Record<string, unknown>[]);
      }
      const copied = await dump(target);
      for (const { name } of TABLES) {
        expect(sortRows(copied[name]!), name).toEqual(sortRows(source[name]!));
        expect(source[name]!.length, name).toBeGreaterThan(0);
      }
      expect(await target.getDelivery(tenantId, id!)).toEqual(await store.getDelivery(tenantId, id!));
    });
  });
});

function sortRows(rows: unknown[]): string[] {
  return rows.map((row) => JSON.stringify(row, Object.keys(row as object).sort())).sort();
}

async function collectPages<T>(fetch: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetch(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}
