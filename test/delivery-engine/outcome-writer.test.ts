import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/delivery/attempt.js';
import { OutcomeWriter } from '../../src/delivery/outcome-writer.js';
import { FakeQueueStore, claimedDelivery, silentLogger, until } from '../support/delivery-fakes.js';

const ok = { startedAt: 0, durationMs: 1, statusCode: 200, responseBody: null, retryAfterMs: null, errorClass: null, errorMessage: null };
const outcome = () => outcomeOf(claimedDelivery(), 'owner', 1, ok, { status: 'succeeded' });

describe('outcome writer', () => {
  it('coalesces outcomes that arrive within the window into one transaction', async () => {
    const store = new FakeQueueStore();
    const written: string[] = [];
    const writer = new OutcomeWriter({ store, logger: silentLogger, windowMs: 20, onWritten: (ids) => written.push(...ids) });
    const outcomes = [outcome(), outcome(), outcome()];
    for (const o of outcomes) writer.add(o);
    await until(() => written.length === 3, 'the batch to be written');
    expect(store.recorded).toHaveLength(1);
    expect(written).toEqual(outcomes.map((o) => o.deliveryId));
  });

  it('writes at once when a full batch waits, and splits batches larger than a transaction takes', async () => {
    const store = new FakeQueueStore();
    const writer = new OutcomeWriter({ store, logger: silentLogger, windowMs: 60_000, batchSize: 2, maxPerWrite: 2, onWritten: () => {} });
    writer.add(outcome());
    writer.add(outcome());
    writer.add(outcome());
    // A 60 s window would never pass in this test: the first add scheduled it, so flush forces the rest.
    await writer.flush();
    expect(store.recorded.map((batch) => batch.length)).toEqual([2, 1]);
  });

  it('writes an urgent outcome at once, with those that waited for the window, and the ones arriving meanwhile next', async () => {
    const store = new FakeQueueStore();
    const written: string[] = [];
    const writer = new OutcomeWriter({ store, logger: silentLogger, windowMs: 60_000, onWritten: (ids) => written.push(...ids) });
    const waiting = outcome();
    writer.add(waiting);
    const urgent = outcome();
    writer.add(urgent, true);
    const meanwhile = outcome();
    writer.add(meanwhile);
    // The 60 s window never passes here: only the urgent outcome starts the writes.
    await until(() => written.length === 3, 'the urgent write and the one after it');
    expect(store.recorded).toEqual([[waiting, urgent], [meanwhile]]);
  });

  it('keeps outcomes whose write failed and writes them on the next try', async () => {
    const store = new FakeQueueStore();
    store.failWrites = 1;
    const written: string[] = [];
    const writer = new OutcomeWriter({ store, logger: silentLogger, windowMs: 1, retryDelayMs: 1, onWritten: (ids) => written.push(...ids) });
    const o = outcome();
    writer.add(o);
    await until(() => written.length === 1, 'the retried write');
    expect(store.recorded).toEqual([[o]]);
    expect(writer.pending).toBe(0);
  });
});
