import { DEFAULT_CIRCUIT_POLICY } from '../../src/core/circuit.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryConfig } from '../../src/config/config.js';
import { DeliveryFormats } from '../../src/core/envelope.js';
import { ROOM_SLOT } from '../../src/core/handoff-room.js';
import { secretKey, standardWebhookHeaders } from '../../src/core/signing.js';
import { Dispatcher, type DispatcherDeps } from '../../src/delivery/dispatcher.js';
import {
  FakeClock,
  FakeOutbound,
  FakeQueueStore,
  TEST_SECRET,
  claimedDelivery,
  silentLogger,
  testSecrets,
  until,
} from '../support/delivery-fakes.js';

const config: DeliveryConfig = {
  retry: { delaysMs: [0, 5_000, 60_000], jitter: 0 },
  connectTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  concurrency: 4,
  perEndpointConcurrency: 2,
  originConnections: 8,
  batchSize: 3,
  leaseMs: 60_000,
  circuit: DEFAULT_CIRCUIT_POLICY,
  retentionMs: 30 * 86_400_000,
  pollIntervalMs: 60_000,
  maxResponseBytes: 1024,
  storedResponseBytes: 256,
};

const running: Dispatcher[] = [];
afterEach(async () => {
  for (const dispatcher of running.splice(0)) await dispatcher.stop();
});

function dispatcherWith(outboundStatus: number | null, overrides: Partial<DeliveryConfig> = {}, deps: Pick<DispatcherDeps, 'outcomes' | 'outcomeWindowMs'> = {}) {
  const clock = new FakeClock();
  const store = new FakeQueueStore();
  const outbound = new FakeOutbound(clock, outboundStatus);
  const dispatcher = new Dispatcher({
    store: store.asStore(),
    outbound,
    formats: new DeliveryFormats(),
    secrets: testSecrets,
    config: { ...config, ...overrides },
    logger: silentLogger,
    now: clock.now,
    random: () => 0.5,
    outcomeWindowMs: 1,
    ...deps,
  });
  running.push(dispatcher);
  return { clock, store, outbound, dispatcher };
}

describe('dispatcher (claim loop) with a fake store, clock and outbound client', () => {
  it('claims what a publish made due, sends it signed and records success', async () => {
    const { clock, store, outbound, dispatcher } = dispatcherWith(200);
    dispatcher.start();
    const item = claimedDelivery('sub_signed');
    store.publish(item);
    await until(() => store.outcomes.length === 1, 'the outcome');
    const [request] = outbound.requests;
    expect(request!.url).toBe(item.subscription.url);
    const body = String(request!.body);
    const expected = standardWebhookHeaders(secretKey(TEST_SECRET), item.event.id, Math.floor(clock.now() / 1000), body);
    expect(request!.headers['webhook-signature']).toBe(expected['webhook-signature']);
    expect(store.outcomes[0]).toMatchObject({ deliveryId: item.delivery.id, owner: dispatcher.owner, status: 'succeeded' });
    expect(dispatcher.held).toBe(0);
  });

  it("writes the outcomes of ordered sends once the last one under way is answered, without waiting out the outcome window", async () => {
    const { store, dispatcher } = dispatcherWith(200, {}, { outcomeWindowMs: 60_000 });
    dispatcher.start();
    // Two sends of an ordered subscription at once (two per endpoint): the group's next delivery
    // would be claimed only after their outcomes, so the window (a minute here) is not waited out.
    const ordered = [claimedDelivery('sub_ordered', { ordering: 'subscription' }), claimedDelivery('sub_ordered', { ordering: 'subscription' })];
    for (const item of ordered) store.publish(item);
    await until(() => store.outcomes.length === 2, 'the ordered outcomes');
    expect(store.recorded.map((batch) => batch.map((outcome) => outcome.deliveryId))).toEqual([ordered.map((item) => item.delivery.id)]);

    // An unordered one waits for the window.
    store.publish(claimedDelivery('sub_unordered'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(store.outcomes).toHaveLength(2);
  });

  it('schedules a retry from the fake clock when the receiver fails', async () => {
    const { clock, store, dispatcher } = dispatcherWith(500);
    dispatcher.start();
    // The second attempt fails: the schedule's third delay (60 s) comes next.
    store.publish(claimedDelivery('sub_failing', { attemptCount: 1 }));
    await until(() => store.outcomes.length === 1, 'the outcome');
    expect(store.outcomes[0]).toMatchObject({ status: 'pending', nextAttemptAt: clock.now() + 60_000 });
    expect(store.outcomes[0]!.attempt).toMatchObject({ number: 2, statusCode: 500, succeeded: false });
  });

  it('claims no more than twice its concurrency while receivers hang, and claims again as outcomes are written', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null);
    dispatcher.start();
    store.publish(...Array.from({ length: 20 }, (_, i) => claimedDelivery(`sub_${i % 5}`)));
    await until(() => dispatcher.held === 8, 'claims up to 2 × concurrency');
    expect(outbound.waiting).toBe(4);
    expect(store.due).toHaveLength(12);
    outbound.answer(200);
    await until(() => store.outcomes.length >= 4, 'the first outcomes');
    await until(() => store.due.length < 12, 'a claim after the outcomes freed room');
    outbound.immediateStatus = 200;
    outbound.answer(200);
  });

  it('runs the step given to `between` before and after a claim and after each finished send', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null);
    // What the step saw: how many deliveries the store still had due, sends still waiting, outcomes written.
    const seen: Array<{ due: number; waiting: number; written: number }> = [];
    dispatcher.between(() => seen.push({ due: store.due.length, waiting: outbound.waiting, written: store.outcomes.length }));
    store.publish(claimedDelivery('sub_a'), claimedDelivery('sub_b'));
    dispatcher.start();
    await until(() => outbound.waiting === 2, 'both sends started');
    // Before the claim (both still due) and after it (none), before any send finished.
    expect(seen[0]).toEqual({ due: 2, waiting: 0, written: 0 });
    expect(seen[1]).toMatchObject({ due: 0, written: 0 });
    outbound.answer(200, 1);
    await until(() => store.outcomes.length === 1, 'the first outcome');
    // Once the send finished, before its outcome was written (the outcome write runs the step too).
    expect(seen).toContainEqual({ due: 0, waiting: 1, written: 0 });
    outbound.answer(200, 1);
    await until(() => store.outcomes.length === 2, 'both outcomes');
    expect(seen).toContainEqual({ due: 0, waiting: 0, written: 1 });
  });

  it('claims again after handed-off deliveries\' outcomes too (their subscription\'s claim cap counts them)', async () => {
    const { store, dispatcher } = dispatcherWith(200);
    dispatcher.start();
    await until(() => store.claims.length === 1, 'the first claim at start');
    // Handed off: sent and recorded without a claim; their written outcomes wake the claim loop.
    await store.handOff(dispatcher, claimedDelivery('sub_handed'), claimedDelivery('sub_handed'));
    await until(() => store.outcomes.length === 2 && dispatcher.held === 0, 'the handed-off outcomes written');
    await until(() => store.claims.length === 2, 'a claim after the outcomes');
  });

  it('claims half a round at a time, not each freed slot, while it holds a full round beyond its sends', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    store.publish(...Array.from({ length: 30 }, (_, i) => claimedDelivery(`sub_${i}`)));
    await until(() => dispatcher.held === 8, 'claims up to 2 × concurrency');
    const claimsBefore = store.claims.length;
    // One send finishes: a slot is free, but 7 are still held (4 of them waiting): no claim for 1.
    outbound.answer(200, 1);
    await until(() => store.outcomes.length === 1, 'the first outcome');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.claims.length).toBe(claimsBefore);
    expect(dispatcher.held).toBe(7);
    // A second one frees half a round (2 of concurrency 4): claimed together.
    outbound.answer(200, 1);
    await until(() => store.claims.length > claimsBefore, 'a claim of half a round');
    expect(store.claims[claimsBefore]!.limit).toBe(2);
    await until(() => dispatcher.held === 8, 'the window full again');
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => store.outcomes.length === 30, 'every delivery sent');
  });

  it('claims once handed-off outcomes free half a round, though they alone would start no claim', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    await until(() => store.claims.length === 1, 'the first claim at start');
    // A round handed off (what the dispatcher holds of a hand-off at most), a round claimed: the window is full.
    void store.handOff(dispatcher, ...Array.from({ length: 4 }, (_, i) => claimedDelivery(`sub_handed_${i}`)));
    await until(() => dispatcher.held === 4 && outbound.waiting === 4, 'a round handed off');
    store.publish(...Array.from({ length: 10 }, (_, i) => claimedDelivery(`sub_due_${i}`)));
    await until(() => dispatcher.held === 8, 'the window full');
    const claimsBefore = store.claims.length;
    // Two handed-off sends finish, one at a time: the second frees half a round, claimed at once.
    outbound.answer(200, 1);
    await until(() => store.outcomes.length === 1, 'the first outcome');
    outbound.answer(200, 1);
    await until(() => store.claims.length > claimsBefore, 'a claim of half a round');
    expect(store.claims[claimsBefore]!.limit).toBe(2);
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => store.outcomes.length === 14, 'every delivery sent');
  });

  it('reads a large hand-off a round at a time, renewing the leases of what waits, and claims meanwhile only when other work is due', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1, leaseMs: 150 });
    dispatcher.start();
    await until(() => store.claims.length === 1, 'the first claim at start');
    const fanOut = Array.from({ length: 20 }, (_, i) => claimedDelivery(`sub_fan_${i}`));
    void store.handOff(dispatcher, ...fanOut);
    await until(() => outbound.waiting === 4, 'a round sending');
    expect(dispatcher.held).toBe(4);
    // What waits to be read is leased to this dispatcher too: its leases are renewed with the held ones.
    await until(() => store.renewed.some((ids) => ids.includes(fanOut[19]!.delivery.id)), 'the last one renewed');
    // Their outcomes read the next ones; no claim looks for due work meanwhile (the fan-out is leased already).
    outbound.answer(200, 2);
    await until(() => store.outcomes.length === 2 && outbound.waiting === 4, 'the next two read');
    expect(dispatcher.held).toBe(4);
    expect(store.claims).toHaveLength(1);
    // Other work made due is claimed beside the hand-off, into the rest of the window.
    store.publish(...Array.from({ length: 3 }, (_, i) => claimedDelivery(`sub_other_${i}`)));
    await until(() => dispatcher.held === 7, 'claimed beside the hand-off');
    expect(store.claims).toHaveLength(2);
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => store.outcomes.length === 23, 'every delivery sent');
    expect(new Set(store.outcomes.map((outcome) => outcome.deliveryId)).size).toBe(23);
  });

  it("reads no more of a subscription's hand-off than it may send at once until a send of it succeeds, then half the window, and another subscription's beside it", async () => {
    // perEndpointConcurrency 1: one at a time before a success; concurrency 8: half the window, 4, after.
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 8, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    await until(() => store.claims.length === 1, 'the first claim at start');
    void store.handOff(dispatcher, ...Array.from({ length: 6 }, () => claimedDelivery('sub_busy')));
    await until(() => outbound.waiting === 1, 'the first one sending');
    void store.handOff(dispatcher, claimedDelivery('sub_other'));
    await until(() => outbound.waiting === 2, "the other subscription's, read at once");
    expect(dispatcher.held).toBe(2);
    // The busy subscription's first send succeeds: it may hold half the window now.
    outbound.answer(200, 1);
    await until(() => dispatcher.held === 5, 'four of the busy subscription held, beside the other');
    expect(store.released).toEqual([]);
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => store.outcomes.length === 7, 'every delivery sent');
  });

  it('hands back the queue of a subscription whose sends hang, with its room', async () => {
    const { clock, store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    const room = Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left);
    const hanging = Array.from({ length: 5 }, () => claimedDelivery('sub_hanging'));
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, 5); // what the publish took as it leased them
    void store.handOff(dispatcher, ...hanging);
    await until(() => dispatcher.held === 1, 'the first one sending');
    // Two sweeps (a second apart) find it holding all it may with nothing succeeding: the rest goes back, due a second later.
    await until(() => store.released.length === 4, 'the queue handed back', 4_000);
    expect(store.released).toEqual(hanging.slice(1).map((item) => item.delivery.id));
    expect(store.releasedDueAt).toEqual([clock.now() + 1_000]);
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(room - 1);
    outbound.answer(200);
  });

  it('hands back a long stuck queue a thousand deliveries a write, so that no publish waits for one huge transaction', async () => {
    const { clock, store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    const hanging = Array.from({ length: 2_501 }, () => claimedDelivery('sub_hanging'));
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, hanging.length);
    void store.handOff(dispatcher, ...hanging);
    await until(() => dispatcher.held === 1, 'the first one sending');
    await until(() => store.released.length === 2_500, 'the queue handed back', 4_000);
    // Three writes (1,000, 1,000 and 500), each due a second later, every queued delivery once, in order.
    expect(store.releasedSizes).toEqual([1_000, 1_000, 500]);
    expect(store.releasedDueAt).toEqual([clock.now() + 1_000, clock.now() + 1_000, clock.now() + 1_000]);
    expect(store.released).toEqual(hanging.slice(1).map((item) => item.delivery.id));
    outbound.answer(200);
  });

  it('reports a subscription stuck while its sends hang (publishes then leave it to the claim), and no longer once one succeeds', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    const reports: string[][] = [];
    dispatcher.onStuckChange((subscriptionIds) => reports.push(subscriptionIds));
    dispatcher.start();
    void store.handOff(dispatcher, ...Array.from({ length: 3 }, () => claimedDelivery('sub_hanging')));
    await until(() => outbound.waiting === 1, 'the first one sending');
    // A sweep (a second) finds it holding all it may, more queued, and nothing succeeding.
    await until(() => reports.length === 1, 'the stuck report', 3_000);
    expect(reports).toEqual([['sub_hanging']]);
    // Its send succeeds: the next sweep reports it no longer stuck, and only once.
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => reports.length === 2, 'the report that it recovered', 3_000);
    expect(reports[1]).toEqual([]);
    await until(() => store.outcomes.length === 3, 'every delivery sent');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(reports).toHaveLength(2);
  });

  it('no longer counts hand-off sends in flight for a second or more against its read window', async () => {
    const { clock, store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 4 });
    dispatcher.start();
    void store.handOff(dispatcher, ...Array.from({ length: 4 }, () => claimedDelivery('sub_hanging')));
    await until(() => outbound.waiting === 4, 'the window sending');
    void store.handOff(dispatcher, ...Array.from({ length: 4 }, () => claimedDelivery('sub_next')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dispatcher.held).toBe(4);
    // A second on, the next sweep finds those sends still in flight: the next four are read (they wait for a slot).
    clock.advance(1_000);
    await until(() => dispatcher.held === 8, 'the next hand-off read', 3_000);
    outbound.immediateStatus = 200;
    outbound.answer(200);
    await until(() => store.outcomes.length === 8, 'every delivery sent');
  });

  /**
   * A dispatcher that answers every send with 200 and cannot write outcomes until `sent` has run
   * (the writes behind the API thread's commits); then asserts none was written, lets the writes
   * through and waits for all `total` outcomes.
   */
  async function whileOutcomesWait(overrides: Partial<DeliveryConfig>, total: number, sent: (parts: ReturnType<typeof dispatcherWith>) => Promise<void>) {
    const parts = dispatcherWith(200, overrides);
    parts.store.failWrites = 1_000_000;
    parts.dispatcher.start();
    await sent(parts);
    expect(parts.store.outcomes).toEqual([]);
    parts.store.failWrites = 0;
    await until(() => parts.store.outcomes.length === total, 'every outcome written');
  }

  it("no longer counts hand-off deliveries sent and waiting for their outcome's write against its read window", async () => {
    await whileOutcomesWait({ concurrency: 2, batchSize: 8, perEndpointConcurrency: 2 }, 4, async ({ store, outbound, dispatcher }) => {
      void store.handOff(dispatcher, ...Array.from({ length: 2 }, () => claimedDelivery('sub_first')));
      await until(() => outbound.requests.length === 2, 'the window sent');
      // Their outcomes cannot be written yet: the next two are read and sent all the same.
      void store.handOff(dispatcher, ...Array.from({ length: 2 }, () => claimedDelivery('sub_second')));
      await until(() => outbound.requests.length === 4, 'the next hand-off sent');
    });
  });

  it("no longer counts a subscription's hand-off deliveries waiting for their outcome's write against its share, up to a share's worth", async () => {
    // Its share after a success: max(2 × 2, 8 / 2) = 4; the window (8) leaves room for more than two shares.
    await whileOutcomesWait({ concurrency: 8, batchSize: 16, perEndpointConcurrency: 2 }, 12, async ({ store, outbound, dispatcher }) => {
      void store.handOff(dispatcher, ...Array.from({ length: 12 }, () => claimedDelivery('sub_batch')));
      // Four sent and none written would have held its whole share: a second share is read and sent.
      await until(() => outbound.requests.length === 8, 'two shares sent while no outcome is written');
      await new Promise((resolve) => setTimeout(resolve, 50));
      // No more than a share's worth waiting for writes beyond its share.
      expect(outbound.requests.length).toBe(8);
    });
  });

  it("claims more once half a share of claimed deliveries were sent and wait for their outcome's write, telling the store they settled", async () => {
    // A share of two: the first claim takes two of the backlog's six.
    await whileOutcomesWait({ concurrency: 8, batchSize: 8, perEndpointConcurrency: 2 }, 6, async ({ store, outbound }) => {
      store.claimShare = 2;
      store.publish(...Array.from({ length: 6 }, () => claimedDelivery('sub_backlog')));
      // No poll comes for a minute and no outcome is written, yet the rest is claimed two by two and sent.
      await until(() => outbound.requests.length === 4, 'a second share claimed and sent while no outcome is written');
      // The claim that took the second share was told the first one's two settled.
      expect(store.claims.map((claim) => claim.settled?.get('sub_backlog') ?? 0)).toContain(2);
      // No more than a share's worth settled counts: four held, two of them counted, no room left.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(outbound.requests.length).toBe(4);
    });
  });

  it('renews the lease of a queued hand-off only when it would run out before the next renewal', async () => {
    // leaseMs 150: renewals every 50 ms.
    const { clock, store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1, leaseMs: 150 });
    store.handOffLeasedUntil = clock.now() + 60_000;
    dispatcher.start();
    const handedOff = Array.from({ length: 12 }, (_, i) => claimedDelivery(`sub_queued_${i}`));
    void store.handOff(dispatcher, ...handedOff);
    await until(() => outbound.waiting === 4, 'a round sending');
    const held = handedOff.slice(0, 4).map((item) => item.delivery.id);
    const queued = handedOff.slice(4).map((item) => item.delivery.id);
    await until(() => store.renewed.filter((ids) => held.every((id) => ids.includes(id))).length >= 3, 'the held ones renewed three times');
    expect(store.renewed.flat().filter((id) => queued.includes(id))).toEqual([]);
    // Their leases now run out within the next two renewals: renewed.
    clock.advance(60_000 - 100);
    await until(() => queued.every((id) => store.renewed.flat().includes(id)), 'the queued ones renewed');
    outbound.immediateStatus = 200;
    outbound.answer(200);
  });

  it('hands back on stop the handed-off deliveries it has not read yet', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null, { concurrency: 4, batchSize: 8, perEndpointConcurrency: 1 });
    dispatcher.start();
    const fanOut = Array.from({ length: 10 }, (_, i) => claimedDelivery(`sub_fan_${i}`));
    void store.handOff(dispatcher, ...fanOut);
    await until(() => outbound.waiting === 4, 'a round sending');
    const stopping = dispatcher.stop();
    outbound.answer(200);
    await stopping;
    expect(store.outcomes).toHaveLength(4);
    expect(store.released.sort()).toEqual(fanOut.slice(4).map((item) => item.delivery.id).sort());
  });

  it('offers publishes room for its window, 65,536 batch deliveries past it and 16,384 more for wide fan-outs only', () => {
    const { dispatcher } = dispatcherWith(200, { concurrency: 4, batchSize: 3 });
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(4 + 65_536 + 16_384);
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.fanOutReserved)).toBe(16_384);
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.fanOutWidth)).toBe(3);
  });

  it('records outcomes where it is told to, and their leases are done once that write answered', async () => {
    const elsewhere: string[] = [];
    let answer: () => void = () => {};
    const outcomes: DispatcherDeps['outcomes'] = {
      recordOutcomes: (written) => {
        elsewhere.push(...written.map((outcome) => outcome.deliveryId));
        return new Promise<void>((resolve) => (answer = resolve));
      },
    };
    const { store, dispatcher } = dispatcherWith(200, {}, { outcomes });
    const delivery = claimedDelivery('sub_elsewhere');
    dispatcher.start();
    store.publish(delivery);
    await until(() => elsewhere.length === 1, 'the outcome written elsewhere');
    expect(elsewhere).toEqual([delivery.delivery.id]);
    expect(store.outcomes).toEqual([]);
    expect(dispatcher.held).toBe(1);
    answer();
    await until(() => dispatcher.held === 0, 'the lease done once the write answered');
  });

  it('sends a delivery both handed off and claimed (its lease ran out meanwhile) once, and gives back its room once', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null);
    dispatcher.start();
    const room = Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left);
    // Handed off first, then returned by a claim while its send hangs.
    const handedFirst = claimedDelivery('sub_twice_a');
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, 1); // what the publish took as it leased it
    await store.handOff(dispatcher, handedFirst);
    await until(() => outbound.waiting === 1, 'the hand-off sending');
    store.publish(handedFirst);
    await until(() => store.due.length === 0 && store.claims.length > 0, 'the claim that returned it');
    // Claimed first, then read from a hand-off that arrived late.
    const claimedFirst = claimedDelivery('sub_twice_b');
    store.publish(claimedFirst);
    await until(() => outbound.waiting === 2, 'the claimed one sending');
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, 1);
    await store.handOff(dispatcher, claimedFirst);
    expect(outbound.requests).toHaveLength(2);
    expect(dispatcher.held).toBe(2);
    // The late hand-off's room came back at once: the claimed copy holds none.
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(room - 1);
    outbound.answer(200);
    await until(() => store.outcomes.length === 2, 'both outcomes');
    await until(() => dispatcher.held === 0, 'nothing held');
    expect(store.outcomes.map((outcome) => outcome.deliveryId).sort()).toEqual([handedFirst.delivery.id, claimedFirst.delivery.id].sort());
    expect(outbound.requests).toHaveLength(2);
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(room);
  });

  it('gives back the room of a hand-off that arrives after it stopped, even when handing it back fails', async () => {
    const { store, dispatcher } = dispatcherWith(200);
    const room = Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left);
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, 2); // what a publish takes as it leases two deliveries
    store.releaseDeliveries = async () => {
      throw new Error('database unavailable');
    };
    // Not started (or already stopped): the ids go back to the store, whose failure must not reject.
    await expect(dispatcher.take(['dlv_late_1', 'dlv_late_2'], ['sub_a', 'sub_a'], 0)).resolves.toBeUndefined();
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(room);
  });

  it('hands back a hand-off that arrives after it stopped, with its room', async () => {
    const { store, dispatcher } = dispatcherWith(200);
    const room = Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left);
    Atomics.sub(dispatcher.handoffRoom, ROOM_SLOT.left, 3);
    await dispatcher.take(['dlv_late_1', 'dlv_late_2', 'dlv_late_3'], ['sub_a', 'sub_b', 'sub_a'], 0);
    expect(store.released.sort()).toEqual(['dlv_late_1', 'dlv_late_2', 'dlv_late_3']);
    expect(Atomics.load(dispatcher.handoffRoom, ROOM_SLOT.left)).toBe(room);
  });

  it('stops by handing back unstarted deliveries and recording the ones in flight', async () => {
    const { store, outbound, dispatcher } = dispatcherWith(null);
    dispatcher.start();
    store.publish(...Array.from({ length: 6 }, () => claimedDelivery('sub_one')));
    await until(() => outbound.waiting === 2, 'two sends in flight (the per-subscription cap)');
    const stopping = dispatcher.stop();
    await until(() => store.released.length > 0, 'the release');
    outbound.answer(200);
    await stopping;
    expect(store.released.length + store.outcomes.length).toBe(dispatcher.held + 6 - store.due.length);
    expect(store.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(dispatcher.held).toBe(0);
  });

  it('hands back what a stalled lane cannot start, so one hanging subscription cannot fill the claim window', async () => {
    const { clock, store, outbound, dispatcher } = dispatcherWith(null, { batchSize: 20, concurrency: 10, perEndpointConcurrency: 2, requestTimeoutMs: 30_000 });
    dispatcher.start();
    store.publish(...Array.from({ length: 4 }, () => claimedDelivery('sub_hanging')));
    await until(() => outbound.waiting === 2, 'two sends in flight, two waiting');
    // Nothing of that lane finishes for 2 s; what is claimed for it next goes back, due again
    // after as long as the lane has been stalled (2 s; at most the request timeout).
    clock.advance(2_000);
    const more = Array.from({ length: 5 }, () => claimedDelivery('sub_hanging'));
    const healthy = Array.from({ length: 3 }, () => claimedDelivery('sub_healthy'));
    store.publish(...more, ...healthy);
    await until(() => outbound.waiting === 4, 'the healthy subscription\'s sends');
    expect(store.released).toEqual(more.map((c) => c.delivery.id));
    expect(store.releasedDueAt).toEqual([clock.now() + 2_000]);
    expect(dispatcher.held).toBe(4 + 3);
    outbound.immediateStatus = 200;
    outbound.answer(200);
  });

  it('keeps everything a busy lane that keeps finishing sends has claimed', async () => {
    const { store, dispatcher } = dispatcherWith(200, { batchSize: 50, concurrency: 10, perEndpointConcurrency: 2 });
    dispatcher.start();
    store.publish(...Array.from({ length: 40 }, () => claimedDelivery('sub_busy')));
    await until(() => store.outcomes.length === 40, 'every delivery sent');
    expect(store.released).toEqual([]);
  });
});
