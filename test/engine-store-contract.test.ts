import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { Subscription, Task } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import { describeEachStore } from './support/stores.js';
import { subscriptionRecord } from './support/subscription-record.js';

// The engine's store operations (secret rotation, tasks), specified once and run against every
// store. Times are passed in, so leases are exact, with no waiting.

const T0 = 1_700_000_000_000;

describeEachStore('engine store contract', (testStore) => {
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

  async function addSubscription(): Promise<Subscription> {
    const subscription = subscriptionRecord(tenantId, T0, {
      eventTypes: ['order.created'],
      sealedSecret: 'sealed-1',
      retryPolicy: { scheduleMs: [1000, 2000], maxAttempts: null },
    });
    await store.insertSubscription(subscription);
    return subscription;
  }

  function newTask(fields: Partial<Task> = {}): Task {
    return {
      id: newId('task'),
      tenantId,
      kind: 'recover',
      status: 'running',
      params: { subscription_id: 'sub_x' },
      progress: { requeued: 0 },
      cursor: null,
      createdAt: T0,
      updatedAt: T0,
      finishedAt: null,
      ...fields,
    };
  }

  it('rotates a secret keeping the old one until the grace period ends, or dropping it at once', async () => {
    const subscription = await addSubscription();
    const rotated = await store.rotateSubscriptionSecret(tenantId, subscription.id, 'sealed-2', T0 + 5000, T0 + 1);
    expect(rotated).toMatchObject({ sealedSecret: 'sealed-2', previousSealedSecret: 'sealed-1', previousSecretExpiresAt: T0 + 5000, updatedAt: T0 + 1 });
    expect(await store.getSubscription(tenantId, subscription.id)).toMatchObject({ sealedSecret: 'sealed-2', previousSealedSecret: 'sealed-1' });

    const again = await store.rotateSubscriptionSecret(tenantId, subscription.id, 'sealed-3', null, T0 + 2);
    expect(again).toMatchObject({ sealedSecret: 'sealed-3', previousSealedSecret: null, previousSecretExpiresAt: null });
    expect(await store.rotateSubscriptionSecret(newId('tenant'), subscription.id, 'x', null, T0)).toBeUndefined();
  });

  it('keeps a subscription retry policy and signing scheme', async () => {
    const subscription = await addSubscription();
    expect(await store.getSubscription(tenantId, subscription.id)).toMatchObject({ signing: 'hmac', retryPolicy: { scheduleMs: [1000, 2000], maxAttempts: null } });
  });

  it('starts one running task per request key, and a new one once it is done', async () => {
    const first = newTask();
    expect(await store.startTask(first, 'key-a')).toEqual({ created: true, task: first });
    const repeated = await store.startTask(newTask(), 'key-a');
    expect(repeated).toMatchObject({ created: false, task: { id: first.id } });
    expect((await store.startTask(newTask(), 'key-b')).created).toBe(true);

    const claimed = await store.claimTask('runner', T0, 1000);
    expect(claimed?.tenantId).toBe(tenantId);
    await store.saveTaskProgress(claimed!.id, 'runner', { progress: { requeued: 3 }, cursor: 'dlv_9', done: true, leaseUntil: T0 + 1000 }, T0 + 10);
    const finished = await store.getTask(tenantId, claimed!.id);
    expect(finished).toMatchObject({ status: 'done', progress: { requeued: 3 }, cursor: 'dlv_9', finishedAt: T0 + 10 });
    if (claimed!.id === first.id) expect((await store.startTask(newTask(), 'key-a')).created).toBe(true);
  });

  it('announces a started task to task runners (in other processes too, where the store can), and not a repeated request', async () => {
    const runnerUrl = await testStore.freshDatabaseUrl();
    const own = await createStore(runnerUrl);
    await own.migrate();
    const runner = own.capabilities.crossProcessWakeups ? await createStore(runnerUrl) : own;
    try {
      await own.insertTenant({ id: tenantId, name: 'Acme', createdAt: T0 });
      let announced = 0;
      const unsubscribe = runner.onTasksDue(() => (announced += 1));
      // A fresh listener may need a moment to connect; keep starting tasks until one is heard.
      const deadline = Date.now() + 10_000;
      for (let i = 0; announced === 0 && Date.now() < deadline; i += 1) {
        await own.startTask(newTask(), `announce-${i}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(announced).toBeGreaterThan(0);
      // Asked again while it runs: the same task, nothing new to announce.
      const heard = announced;
      await own.startTask(newTask(), 'announce-0');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(announced).toBe(heard);
      unsubscribe();
      await own.startTask(newTask(), 'after-unsubscribing');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(announced).toBe(heard);
    } finally {
      if (runner !== own) await runner.close();
      await own.close();
    }
  });

  it('leases a task to one runner until the lease expires, and refuses progress from a runner that lost it', async () => {
    // Tasks of earlier specifications may be waiting too: drain them far in the future.
    for (let t = await store.claimTask('cleaner', T0 * 2, 1); t; t = await store.claimTask('cleaner', T0 * 2, 1)) {
      await store.saveTaskProgress(t.id, 'cleaner', { progress: {}, cursor: null, done: true, leaseUntil: 0 }, T0 * 2);
    }
    const task = newTask();
    await store.startTask(task, 'lease-key');
    expect((await store.claimTask('a', T0, 1000))?.id).toBe(task.id);
    expect(await store.claimTask('b', T0 + 500, 1000)).toBeUndefined();
    expect((await store.claimTask('b', T0 + 1000, 1000))?.id).toBe(task.id);
    const lost = await store.saveTaskProgress(task.id, 'a', { progress: { requeued: 1 }, cursor: 'x', done: false, leaseUntil: T0 + 3000 }, T0 + 1100);
    expect(lost).toBe(false);
    expect(await store.saveTaskProgress(task.id, 'b', { progress: { requeued: 2 }, cursor: 'y', done: false, leaseUntil: T0 + 3000 }, T0 + 1100)).toBe(true);
    expect(await store.getTask(tenantId, task.id)).toMatchObject({ status: 'running', progress: { requeued: 2 }, cursor: 'y' });
    expect(await store.getTask(newId('tenant'), task.id)).toBeUndefined();
  });

  it("starts a wide fan-out's task, leased, with its event only when the event is written, and adds its later parts leased in flight", async () => {
    for (let t = await store.claimTask('cleaner', T0 * 2, 1); t; t = await store.claimTask('cleaner', T0 * 2, 1)) {
      await store.saveTaskProgress(t.id, 'cleaner', { progress: {}, cursor: null, done: true, leaseUntil: 0 }, T0 * 2);
    }
    const [first, second, untouched] = [await addSubscription(), await addSubscription(), await addSubscription()];
    const event = { tenantId, id: newId('event'), type: 'order.created', data: { n: 1 }, resourceId: null, createdAt: T0, deliverAt: null };
    const task = newTask({ kind: 'fan_out', params: { event_id: event.id }, progress: { written: 1 }, cursor: first.id });
    const started = { task, requestKey: `fan_out:${event.id}`, lease: { owner: 'writer', until: T0 + 1000 } };
    const head = { id: newId('delivery'), subscriptionId: first.id, dueAt: T0 };
    expect(await store.insertEvents([{ event, deliveries: [head], task: started }])).toMatchObject([{ created: true }]);
    // Leased to its writer: no runner takes it before the lease runs out.
    expect(await store.claimTask('runner', T0 + 999, 1000)).toBeUndefined();
    expect(await store.claimTask('runner', T0 + 1000, 1000)).toMatchObject({ id: task.id, kind: 'fan_out', params: { event_id: event.id }, cursor: first.id });

    // The same event again is not written, and neither is the task that came with it.
    const repeated = newTask({ kind: 'fan_out', params: { event_id: event.id } });
    expect(await store.insertEvents([{ event, deliveries: [], task: { ...started, task: repeated } }])).toMatchObject([{ created: false }]);
    expect(await store.getTask(tenantId, repeated.id)).toBeUndefined();

    // A later part, handed off: written in flight to the dispatcher that holds it.
    const later = { id: newId('delivery'), subscriptionId: second.id, dueAt: T0, lease: { owner: 'dispatcher-x', until: T0 + 5000 } };
    await store.insertDeliveries(tenantId, event.id, [later], T0 + 1);
    expect(await store.getDelivery(tenantId, later.id)).toMatchObject({ status: 'in_flight', subscriptionId: second.id, eventId: event.id });
    expect(await store.getDelivery(tenantId, head.id)).toMatchObject({ status: 'pending' });

    expect(await store.subscriptionsReached(tenantId, event.id, [first.id, second.id, untouched.id])).toEqual(new Set([first.id, second.id]));
    expect(await store.subscriptionsReached(tenantId, newId('event'), [first.id])).toEqual(new Set());
    expect(await store.subscriptionsReached(newId('tenant'), event.id, [first.id])).toEqual(new Set());
  });

  it("writes a fan-out's part under a fence only while its writer holds the task, saving the task's progress and lease with it", async () => {
    for (let t = await store.claimTask('cleaner', T0 * 2, 1); t; t = await store.claimTask('cleaner', T0 * 2, 1)) {
      await store.saveTaskProgress(t.id, 'cleaner', { progress: {}, cursor: null, done: true, leaseUntil: 0 }, T0 * 2);
    }
    const [first, second, third] = [await addSubscription(), await addSubscription(), await addSubscription()];
    const event = { tenantId, id: newId('event'), type: 'order.created', data: { n: 2 }, resourceId: null, createdAt: T0, deliverAt: null };
    const task = newTask({ kind: 'fan_out', params: { event_id: event.id }, progress: { written: 1 } });
    const head = { id: newId('delivery'), subscriptionId: first.id, dueAt: T0 };
    await store.insertEvents([{ event, deliveries: [head], task: { task, requestKey: `fan_out:${event.id}`, lease: { owner: 'writer', until: T0 + 1000 } } }]);
    const fence = (owner: string, written: number, leaseUntil: number) => ({ taskId: task.id, owner, step: { progress: { written }, cursor: null, done: false, leaseUntil } });

    // The writer holds it: the part goes in, and the lease moves on with it, so no runner takes it yet.
    const part = { id: newId('delivery'), subscriptionId: second.id, dueAt: T0 };
    expect(await store.insertDeliveries(tenantId, event.id, [part], T0 + 10, fence('writer', 2, T0 + 5000))).toBe(true);
    expect(await store.getDelivery(tenantId, part.id)).toMatchObject({ subscriptionId: second.id, status: 'pending' });
    expect(await store.getTask(tenantId, task.id)).toMatchObject({ status: 'running', progress: { written: 2 }, updatedAt: T0 + 10 });
    expect(await store.claimTask('runner', T0 + 4999, 1000)).toBeUndefined();

    // A runner took it over once that lease ran out: the writer's next part is refused, and nothing of it is written.
    expect(await store.claimTask('runner', T0 + 5000, 1000)).toMatchObject({ id: task.id });
    const late = { id: newId('delivery'), subscriptionId: third.id, dueAt: T0 };
    expect(await store.insertDeliveries(tenantId, event.id, [late], T0 + 5001, fence('writer', 3, T0 + 10_000))).toBe(false);
    expect(await store.getDelivery(tenantId, late.id)).toBeUndefined();
    expect(await store.subscriptionsReached(tenantId, event.id, [first.id, second.id, third.id])).toEqual(new Set([first.id, second.id]));
    expect(await store.getTask(tenantId, task.id)).toMatchObject({ progress: { written: 2 }, updatedAt: T0 + 10 });
    // The runner, holding it now, may write under the same fence.
    expect(await store.insertDeliveries(tenantId, event.id, [late], T0 + 5002, fence('runner', 3, T0 + 7000))).toBe(true);
    expect(await store.getDelivery(tenantId, late.id)).toMatchObject({ subscriptionId: third.id });
  });
});
