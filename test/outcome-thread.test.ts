import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES_FOR_THE_THREAD, type OutcomeThread } from '../src/cli/outcome-thread-handle.js';
import { newId } from '../src/core/ids.js';
import type { Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import type { DeliveryOutcome } from '../src/store/store.js';
import { attemptOutcome } from './support/outcomes.js';
import { subscriptionRecord } from './support/subscription-record.js';

// The delivery thread's outcome thread (cli/outcome-thread-handle.ts), run from the build as the
// server runs it, against a real SQLite file that a store on this thread opened too.

const HANDLE = pathToFileURL(path.resolve('dist/src/cli/outcome-thread-handle.js')).href;
const T0 = 1_700_000_000_000;
type Start = (env: Record<string, string | undefined>, logger: { error: (...args: unknown[]) => void }, store: Pick<Store, 'recordOutcomes'>) => OutcomeThread;
// A batch the thread takes: the smallest it takes, and another outcome of a failed send.
const FULL = OUTCOMES_FOR_THE_THREAD;

describe('the outcome thread', () => {
  let url: string;
  let store: Store;
  let subscriptions: Subscription[];
  let start: Start;
  const tenantId = newId('tenant');
  const threads: OutcomeThread[] = [];
  const logger = { error: () => {} };
  // Batches written on this thread (smaller than the thread takes), by size.
  const writtenHere: number[] = [];
  const here: Pick<Store, 'recordOutcomes'> = {
    recordOutcomes: (outcomes) => {
      writtenHere.push(outcomes.length);
      return store.recordOutcomes(outcomes);
    },
  };

  beforeAll(async () => {
    url = `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'hookpost-outcomes-')), 'hookpost.db')}`;
    store = await createStore(url);
    await store.migrate();
    await store.insertTenant({ id: tenantId, name: 'Acme', createdAt: T0 });
    subscriptions = Array.from({ length: FULL }, () => subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] }));
    for (const subscription of subscriptions) await store.insertSubscription(subscription);
    start = ((await import(HANDLE)) as { outcomeThread: Start }).outcomeThread;
  });
  afterAll(async () => {
    await Promise.all(threads.map((thread) => thread.close()));
    await store.close();
  });

  const open = (databaseUrl = url) => {
    const thread = start({ HOOKPOST_DATABASE_URL: databaseUrl }, logger, here);
    threads.push(thread);
    return thread;
  };

  type Held = { deliveryId: string; eventId: string; subscriptionId: string };

  /** An event published to `count` subscriptions and its deliveries claimed by `owner`, as the dispatcher holds them before their outcomes. */
  async function claimedDeliveries(owner: string, count: number): Promise<Held[]> {
    const eventId = newId('event');
    const held = subscriptions.slice(0, count).map((s) => ({ deliveryId: newId('delivery'), eventId, subscriptionId: s.id }));
    await store.insertEventWithDeliveries(
      { tenantId, id: eventId, type: 'order.created', data: { n: 1 }, resourceId: null, createdAt: T0, deliverAt: null },
      held.map((h) => ({ id: h.deliveryId, subscriptionId: h.subscriptionId, dueAt: T0 })),
    );
    const claimed = await store.claimDueDeliveries({ owner, now: T0, leaseMs: 60_000, limit: 100 });
    expect(claimed.map((c) => c.delivery.id).sort()).toEqual(held.map((h) => h.deliveryId).sort());
    return held;
  }

  /** A first attempt's outcome: succeeded, or pending a retry when the receiver answered 300 or more. */
  const outcome = (owner: string, held: Held, statusCode = 200): DeliveryOutcome =>
    attemptOutcome({ ...held, tenantId }, owner, statusCode < 300 ? { statusCode, at: T0 } : { statusCode, at: T0, status: 'pending', nextAttemptAt: T0 + 60_000, responseBody: 'busy' });

  it('records a full batch in the same file, and answers once it committed', async () => {
    const thread = open();
    const [failed, ...sent] = await claimedDeliveries('w1', FULL);
    writtenHere.length = 0;
    await thread.recordOutcomes([outcome('w1', failed!, 503), ...sent.map((h) => outcome('w1', h))]);
    expect(writtenHere).toEqual([]);

    // Read through this thread's own connection: committed, with its attempt.
    const done = await store.getDelivery(tenantId, sent[0]!.deliveryId);
    expect(done).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 200 });
    expect(done!.attempts).toMatchObject([{ number: 1, statusCode: 200, responseBody: 'ok', succeeded: true }]);
    expect(await store.getDelivery(tenantId, failed!.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: 503 });
  });

  it('writes a smaller batch on the calling thread, without starting the thread', async () => {
    // A thread could not open this store: the small batch is written all the same, so it never went there.
    const directory = mkdtempSync(path.join(os.tmpdir(), 'hookpost-outcomes-'));
    const thread = open(`sqlite:${directory}`);
    const held = await claimedDeliveries('w2', FULL - 1);
    writtenHere.length = 0;
    await thread.recordOutcomes(held.map((h) => outcome('w2', h)));
    expect(writtenHere).toEqual([FULL - 1]);
    expect(await store.getDelivery(tenantId, held[0]!.deliveryId)).toMatchObject({ status: 'succeeded' });
  });

  it('fails a batch whose write failed, with the store’s error, and records the next one', async () => {
    const thread = open();
    const held = await claimedDeliveries('w3', FULL);
    // An attempt of a delivery that does not exist breaks the attempts table's foreign key.
    const missing = { deliveryId: newId('delivery'), eventId: newId('event'), subscriptionId: subscriptions[0]!.id };
    await expect(thread.recordOutcomes([outcome('w3', missing), ...held.slice(1).map((h) => outcome('w3', h))])).rejects.toThrow(/FOREIGN KEY/);
    // The whole batch is one transaction: nothing of it was kept.
    expect(await store.getDelivery(tenantId, held[1]!.deliveryId)).toMatchObject({ status: 'in_flight' });

    await thread.recordOutcomes(held.map((h) => outcome('w3', h)));
    expect(await store.getDelivery(tenantId, held[1]!.deliveryId)).toMatchObject({ status: 'succeeded' });
  });

  it('writes on the calling thread, and logs why, when its thread cannot open the store', async () => {
    const logged: unknown[] = [];
    // A directory where the file should be: SQLite cannot open it on the thread.
    const directory = mkdtempSync(path.join(os.tmpdir(), 'hookpost-outcomes-'));
    const thread = start({ HOOKPOST_DATABASE_URL: `sqlite:${directory}` }, { error: (...args: unknown[]) => logged.push(args) }, here);
    threads.push(thread);
    const logCounts: number[] = [];
    for (const owner of ['w4', 'w4 again']) {
      const held = await claimedDeliveries(owner, FULL);
      writtenHere.length = 0;
      await thread.recordOutcomes(held.map((h) => outcome(owner, h)));
      expect(writtenHere).toEqual([FULL]);
      expect(await store.getDelivery(tenantId, held[0]!.deliveryId)).toMatchObject({ status: 'succeeded' });
      logCounts.push(logged.length);
    }
    // The thread's own error, then what follows from it; the second batch went to the calling
    // thread without trying another thread, so nothing more was logged.
    expect(JSON.stringify(logged)).toContain('SQLITE_CANTOPEN');
    expect(JSON.stringify(logged.at(-1))).toContain('could not start');
    expect(logCounts[1]).toBe(logCounts[0]);
  });

  it('starts another thread for the next batch once one was closed', async () => {
    const thread = open();
    const first = await claimedDeliveries('w5', FULL);
    await thread.recordOutcomes(first.map((h) => outcome('w5', h)));
    await thread.close();

    const second = await claimedDeliveries('w5', FULL);
    writtenHere.length = 0;
    await thread.recordOutcomes(second.map((h) => outcome('w5', h)));
    expect(writtenHere).toEqual([]);
    expect(await store.getDelivery(tenantId, second[0]!.deliveryId)).toMatchObject({ status: 'succeeded' });
  });
});
