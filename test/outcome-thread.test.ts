import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeThread } from '../src/cli/outcome-thread-handle.js';
import { newId } from '../src/core/ids.js';
import type { Subscription } from '../src/core/model.js';
import { createStore, type Store } from '../src/store/index.js';
import type { DeliveryOutcome } from '../src/store/store.js';
import { subscriptionRecord } from './support/subscription-record.js';

// The delivery thread's outcome thread (cli/outcome-thread-handle.ts), run from the build as the
// server runs it, against a real SQLite file that a store on this thread opened too.

const HANDLE = pathToFileURL(path.resolve('dist/src/cli/outcome-thread-handle.js')).href;
const T0 = 1_700_000_000_000;
type Start = (env: Record<string, string | undefined>, logger: { error: (...args: unknown[]) => void }) => OutcomeThread;

describe('the outcome thread', () => {
  let url: string;
  let store: Store;
  let subscription: Subscription;
  let start: Start;
  const tenantId = newId('tenant');
  const threads: OutcomeThread[] = [];
  const errors: unknown[] = [];
  const logger = { error: (...args: unknown[]) => errors.push(args) };

  beforeAll(async () => {
    url = `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'hookpost-outcomes-')), 'hookpost.db')}`;
    store = await createStore(url);
    await store.migrate();
    await store.insertTenant({ id: tenantId, name: 'Acme', createdAt: T0 });
    subscription = subscriptionRecord(tenantId, T0, { eventTypes: ['order.created'] });
    await store.insertSubscription(subscription);
    start = ((await import(HANDLE)) as { outcomeThread: Start }).outcomeThread;
  });
  afterAll(async () => {
    await Promise.all(threads.map((thread) => thread.close()));
    await store.close();
  });

  const open = (databaseUrl = url) => {
    const thread = start({ HOOKPOST_DATABASE_URL: databaseUrl }, logger);
    threads.push(thread);
    return thread;
  };

  /** A delivery published and claimed by `owner`, as the dispatcher holds it before its outcome. */
  async function claimedDelivery(owner: string): Promise<{ deliveryId: string; eventId: string }> {
    const eventId = newId('event');
    const deliveryId = newId('delivery');
    await store.insertEventWithDeliveries(
      { tenantId, id: eventId, type: 'order.created', data: { n: 1 }, resourceId: null, createdAt: T0, deliverAt: null },
      [{ id: deliveryId, subscriptionId: subscription.id, dueAt: T0 }],
    );
    const claimed = await store.claimDueDeliveries({ owner, now: T0, leaseMs: 60_000, limit: 10 });
    expect(claimed.map((c) => c.delivery.id)).toEqual([deliveryId]);
    return { deliveryId, eventId };
  }

  function outcome(owner: string, { deliveryId, eventId }: { deliveryId: string; eventId: string }, statusCode = 200): DeliveryOutcome {
    const succeeded = statusCode < 300;
    return {
      deliveryId,
      owner,
      tenantId,
      subscriptionId: subscription.id,
      eventId,
      eventType: 'order.created',
      status: succeeded ? 'succeeded' : 'pending',
      nextAttemptAt: succeeded ? null : T0 + 60_000,
      disableSubscription: null,
      attempt: {
        id: newId('attempt'),
        deliveryId,
        number: 1,
        startedAt: T0,
        durationMs: 7,
        statusCode,
        responseBody: succeeded ? 'ok' : 'busy',
        errorClass: succeeded ? null : 'bad_status',
        errorMessage: null,
        succeeded,
      },
    };
  }

  it('records each batch in the same file, and answers once it committed', async () => {
    const thread = open();
    const first = await claimedDelivery('w1');
    const second = await claimedDelivery('w1');
    await thread.recordOutcomes([outcome('w1', first), outcome('w1', second, 503)]);

    // Read through this thread's own connection: committed, with its attempt.
    const done = await store.getDelivery(tenantId, first.deliveryId);
    expect(done).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 200 });
    expect(done!.attempts).toMatchObject([{ number: 1, statusCode: 200, responseBody: 'ok', succeeded: true }]);
    expect(await store.getDelivery(tenantId, second.deliveryId)).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: 503 });
  });

  it('fails a batch whose write failed, with the store’s error, and records the next one', async () => {
    const thread = open();
    // An attempt of a delivery that does not exist breaks the attempts table's foreign key.
    const missing = { deliveryId: newId('delivery'), eventId: newId('event') };
    await expect(thread.recordOutcomes([outcome('w2', missing)])).rejects.toThrow(/FOREIGN KEY/);

    const held = await claimedDelivery('w2');
    await thread.recordOutcomes([outcome('w2', held)]);
    expect(await store.getDelivery(tenantId, held.deliveryId)).toMatchObject({ status: 'succeeded' });
  });

  it('fails the batch, rather than leaving it waiting, when its thread cannot open the store', async () => {
    // A directory where the file should be: SQLite cannot open it.
    const directory = mkdtempSync(path.join(os.tmpdir(), 'hookpost-outcomes-'));
    const thread = open(`sqlite:${directory}`);
    const held = await claimedDelivery('w3');
    await expect(thread.recordOutcomes([outcome('w3', held)])).rejects.toThrow(/outcome thread ended before it was ready|unable to open/);
    expect(await store.getDelivery(tenantId, held.deliveryId)).toMatchObject({ status: 'in_flight' });
  });

  it('starts another thread for the next batch once one was closed', async () => {
    const thread = open();
    const first = await claimedDelivery('w4');
    await thread.recordOutcomes([outcome('w4', first)]);
    await thread.close();

    const second = await claimedDelivery('w4');
    await thread.recordOutcomes([outcome('w4', second)]);
    expect(await store.getDelivery(tenantId, second.deliveryId)).toMatchObject({ status: 'succeeded' });
  });
});
