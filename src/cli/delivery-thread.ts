// The delivery engine on its own thread (the default single-process mode): it opens its own store
// connection and runs the dispatcher, so publishing and delivering use both cores and neither
// starves the other. The API's thread wakes it on every publish ('due'); it reports how many
// deliveries it holds and its delivery metrics, and drains on 'stop'.
// First, so that it runs before the other modules load: the young generation held while starting.
import './hold-young-generation.js';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Registry } from '../delivery/metric-classes.js';
import { loadConfig } from '../config/config.js';
import { loadInstanceSecrets } from '../config/instance-secrets.js';
import { createSecretBox } from '../core/secret-box.js';
import { createStore, sqliteFile } from '../store/index.js';
import { adoptWriteGates } from '../store/sqlite/write-gate.js';
import { createDelivery } from '../runtime/delivery.js';
import { queueOptions } from '../runtime/sending.js';
import { openTracing } from '../runtime/tracing.js';
import { receiveHandoffs } from './handoff-port.js';
import { outcomeThread } from './outcome-thread-handle.js';
import { createLogger } from './logger.js';
import { releaseYoungGeneration } from './start-up-heap.js';

/** What the thread reports to the API's thread. */
export type ThreadReport =
  | { kind: 'ready' }
  | { kind: 'stopped' }
  | { kind: 'status'; held: number; metrics: unknown }
  /** The subscriptions the engine finds stuck, whenever they change: publishes leave their deliveries to the claim. */
  | { kind: 'stuck'; subscriptionIds: string[] };

/** What the API's thread tells the delivery thread: deliveries are due, or stop. (Hand-offs come on their own port, `workerData.handoffs`.) */
export type ThreadCommand = 'due' | 'stop';

/** One hand-off, as sent on the hand-off port: its delivery ids, each one's subscription, and when the earliest lease runs out. */
export interface Handoff {
  ids: string[];
  subscriptionIds: string[];
  leasedUntil: number;
}

async function main(): Promise<void> {
  const port = parentPort!;
  const config = loadConfig(workerData.env as Record<string, string | undefined>);
  adoptWriteGates(workerData.writeGates as Record<string, SharedArrayBuffer> | undefined);
  const logger = createLogger(config.logLevel).child({ thread: 'delivery' });
  const secrets = loadInstanceSecrets(config);
  const store = await createStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    warn: (message, error) => logger.warn({ err: error }, message),
    queue: queueOptions(config),
  });
  const registry = new Registry();
  const tracing = await openTracing(config.tracing);
  // A SQLite file's outcomes are written on a thread of their own (see outcome-thread-handle.ts).
  const outcomes = sqliteFile(config.databaseUrl) ? outcomeThread(workerData.env as Record<string, string | undefined>, logger, store) : undefined;
  const { dispatcher, outbound } = createDelivery(config, {
    store,
    outcomes,
    secrets: createSecretBox(secrets.secretKey, secrets.previousKeys),
    registry,
    logger,
    tracing,
    // Made by the API's thread, which hands its publishes off from the start (delivery-thread-handle.ts).
    handoff: { owner: workerData.owner as string, room: workerData.handoffRoom as Int32Array },
  });
  // Between its steps the engine takes the hand-offs that arrived meanwhile (see handoff-port.ts).
  dispatcher.between(receiveHandoffs<Handoff>(workerData.handoffs as MessagePort, ({ ids, subscriptionIds, leasedUntil }) => void dispatcher.take(ids, subscriptionIds, leasedUntil)));
  dispatcher.onStuckChange((subscriptionIds) => port.postMessage({ kind: 'stuck', subscriptionIds } satisfies ThreadReport));
  const report = async () => port.postMessage({ kind: 'status', held: dispatcher.held, metrics: await registry.getMetricsAsJSON() } satisfies ThreadReport);
  const timer = setInterval(() => void report(), 1_000);
  port.on('message', (command: ThreadCommand) => {
    if (command === 'due') dispatcher.wake();
    if (command === 'stop') {
      clearInterval(timer);
      void (async () => {
        await dispatcher.stop();
        await outcomes?.close();
        await outbound.close();
        await tracing.shutdown();
        await store.close();
        port.postMessage({ kind: 'stopped' } satisfies ThreadReport);
      })();
    }
  });
  dispatcher.start();
  port.postMessage({ kind: 'ready' } satisfies ThreadReport);
  releaseYoungGeneration();
}

if (!isMainThread) await main();
