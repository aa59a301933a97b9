// `node dist/bench/engine-cpu.js [subscriptions] [fan-outs]`: the delivery engine's own CPU per
// delivery, alone in one thread. A real Dispatcher, with the lanes, the per-origin rule, signing,
// rendering and metrics the delivery thread builds (runtime/delivery.ts), takes fan-outs of one
// event to N subscriptions (10,000) by hand-off, as a publish gives them; its store answers from
// memory and its outbound client answers 200 in a microtask. What is measured is then what the
// engine adds to each send: its bookkeeping, the signature, the outcome; not SQLite, undici, the
// receiver or the other threads, whose share of two cores makes the end-to-end figures move by
// 10 to 50 % between runs on this machine (docs/performance.md, "16th session"). Prints the CPU
// µs per delivery of each fan-out (12 by default) and the median of those after the first two
// (V8 still compiling). BENCH_ENGINE_ROOTS=/build/a:/build/b compares builds fan-out by fan-out
// in one process; `node --cpu-prof` shows where the engine's time goes.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ClaimedDelivery, HookEvent, Subscription } from '../src/core/model.js';
import type { OutboundResult } from '../src/delivery/outbound.js';
import type { Store } from '../src/store/store.js';
import { subscriptionRecord } from '../test/support/subscription-record.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// The builds to measure: BENCH_HOOKPOST_ROOT (one), or BENCH_ENGINE_ROOTS (several, separated by
// colons), else this checkout. Several take their fan-outs in turn in this one process, so that
// each round compares them at the same moment of the machine's speed.
const roots = (process.env.BENCH_ENGINE_ROOTS ?? process.env.BENCH_HOOKPOST_ROOT ?? '').split(':').filter(Boolean);
const builds = roots.length > 0 ? roots.map((root) => ({ name: root, dist: path.join(root, 'dist') })) : [{ name: 'this checkout', dist: path.resolve(here, '..') }];

/** The engine's modules of one build. */
async function engineOf(dist: string) {
  const load = async <T>(module: string): Promise<T> => (await import(pathToFileURL(path.join(dist, 'src', module)).href)) as T;
  return {
    ...(await load<typeof import('../src/delivery/dispatcher.js')>('delivery/dispatcher.js')),
    ...(await load<typeof import('../src/core/envelope.js')>('core/envelope.js')),
    ...(await load<typeof import('../src/delivery/origin-concurrency.js')>('delivery/origin-concurrency.js')),
    ...(await load<typeof import('../src/delivery/metrics.js')>('delivery/metrics.js')),
    ...(await load<typeof import('../src/config/config.js')>('config/config.js')),
    ...(await load<typeof import('../src/core/secret-box.js')>('core/secret-box.js')),
    ...(await load<typeof import('../src/core/signing.js')>('core/signing.js')),
    ...(await load<typeof import('../src/core/handoff-room.js')>('core/handoff-room.js')),
  };
}
const first = await engineOf(builds[0]!.dist);

const subscriptionCount = Number(process.argv[2] ?? 10_000);
const fanOuts = Number(process.argv[3] ?? 12);
const config = first.loadConfig({}).delivery;
const secrets = first.createSecretBox(Buffer.alloc(32, 7));
const id = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, '0')}`;

// Each with its own secret, as the keyring opens and keeps them.
const subscriptions: Subscription[] = Array.from({ length: subscriptionCount }, (_, n) =>
  subscriptionRecord('t0', 0, { id: id('sub', n), url: 'http://127.0.0.1:9/hook', sealedSecret: secrets.seal(first.generateSecret()) }),
);

// What the store would read for each handed-off id; outcomes are only counted.
const handedOff = new Map<string, ClaimedDelivery>();
let recorded = 0;
const store = {
  onDeliveriesDue: () => () => {},
  claimDueDeliveries: async () => [],
  takeHandedOff: async (_owner: string, ids: string[]) => ids.map((deliveryId) => handedOff.get(deliveryId)!),
  releaseDeliveries: async () => {},
  renewLeases: async () => {},
  recordOutcomes: async (outcomes: unknown[]) => {
    recorded += outcomes.length;
  },
};
const answer = (): OutboundResult => ({ startedAt: Date.now(), durationMs: 1, statusCode: 200, responseBody: 'ok', retryAfterMs: null, errorClass: null, errorMessage: null });
const outbound = { send: async () => answer(), close: async () => {} };

/** A dispatcher of one build, as the delivery thread builds it (runtime/delivery.ts), on the fakes above. */
async function dispatcherOf(dist: string) {
  const engine = await engineOf(dist);
  const dispatcher = new engine.Dispatcher({
    store: store as unknown as Store,
    outbound,
    formats: new engine.DeliveryFormats([engine.nativeFormat]),
    secrets: engine.createSecretBox(Buffer.alloc(32, 7)),
    config,
    logger: pino({ level: 'silent' }),
    metrics: engine.createDeliveryMetrics(new Registry()),
    laneRules: [engine.originConcurrency({ maxPerOrigin: config.originConnections, perSubscription: config.perEndpointConcurrency })],
  });
  dispatcher.start();
  return { dispatcher, room: engine.ROOM_SLOT.left };
}
const measured = await Promise.all(builds.map(async (build) => ({ ...build, ...(await dispatcherOf(build.dist)), perDelivery: [] as number[] })));

let sequence = 0;
/** One fan-out of a new 1 KiB event (as the end-to-end benchmarks publish) to every subscription; the CPU µs it took a delivery. */
async function fanOut(target: (typeof measured)[number], round: number): Promise<number> {
  const event: HookEvent = { tenantId: 't0', id: id('evt', (sequence += 1)), type: 'bench.order.created', data: { order_id: `fan-${round}`, note: 'x'.repeat(1_000) }, resourceId: null, createdAt: Date.now(), deliverAt: null };
  handedOff.clear();
  const ids: string[] = [];
  for (const subscription of subscriptions) {
    const deliveryId = id('dlv', (sequence += 1));
    handedOff.set(deliveryId, {
      delivery: { id: deliveryId, tenantId: 't0', eventId: event.id, subscriptionId: subscription.id, status: 'in_flight', attemptCount: 0, nextAttemptAt: null, lastStatusCode: null, lastError: null, createdAt: event.createdAt, updatedAt: event.createdAt },
      event,
      subscription,
    });
    ids.push(deliveryId);
  }
  const done = recorded + subscriptionCount;
  const before = process.cpuUsage();
  // What the publish's hand-off takes from the room as it leases them (service/handoff.ts).
  Atomics.sub(target.dispatcher.handoffRoom, target.room, subscriptionCount);
  void target.dispatcher.take(ids, subscriptions.map((subscription) => subscription.id), Date.now() + config.leaseMs);
  while (recorded < done) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / subscriptionCount;
}

for (let round = 0; round < fanOuts; round += 1) {
  const line: string[] = [];
  for (const target of measured) {
    target.perDelivery.push(await fanOut(target, round));
    line.push(`${target.perDelivery.at(-1)!.toFixed(1)}`);
  }
  console.log(`fan-out ${round + 1}: ${line.join(' / ')} µs CPU a delivery`);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const target of measured) {
  await target.dispatcher.stop();
  console.log(`${target.name}: median after the first two fan-outs ${median(target.perDelivery.slice(2)).toFixed(1)} µs CPU a delivery (${subscriptionCount} subscriptions)`);
}
// Each round's ratio to the first build, then their median: steadier than a ratio of medians.
for (const target of measured.slice(1)) {
  const ratios = target.perDelivery.slice(2).map((value, round) => value / measured[0]!.perDelivery[round + 2]!);
  console.log(`${target.name} ÷ ${measured[0]!.name}: median of the rounds' ratios ${median(ratios).toFixed(3)}`);
}
