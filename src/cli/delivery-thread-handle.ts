import { MessageChannel } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { DeliveryConfig } from '../config/config.js';
import { newDispatcherOwner, newHandoffRoom } from '../core/handoff-room.js';
import { DeliveryHandoff } from '../service/handoff.js';
import type { Store } from '../store/store.js';
import type { Handoff, ThreadCommand, ThreadReport } from './delivery-thread.js';
import { startGatedWorker } from './gated-worker.js';

/** The API thread's side of the delivery thread. */
export interface DeliveryThread {
  /** Deliveries the thread held at its last report. */
  readonly held: number;
  /**
   * Publishes hand fresh deliveries to the thread through this (see service/handoff.ts), from the
   * start: what is handed off before the thread is ready waits on its port, leased to it.
   */
  readonly handoff: DeliveryHandoff;
  /** Resolves once the thread's dispatcher runs; rejects if the thread failed before. */
  readonly ready: Promise<void>;
  /** Drains the thread's deliveries in flight and ends it. */
  stop(): Promise<void>;
}

/**
 * Starts the delivery engine on a worker thread with the same environment, wakes it whenever this
 * thread's store says deliveries are due, and folds the thread's delivery metrics into `registry`
 * (what /metrics serves). The dispatcher's lease owner and hand-off room are made here and given
 * to the thread, so that publishes are handed off from the first one: made by the thread, they
 * came only once it was ready, a few hundred milliseconds after the server answered, and a fan-out
 * published meanwhile was written pending and claimed a batch at a time, about three times as
 * slowly (docs/performance.md, "17th session").
 */
export function startDeliveryThread(
  store: Store,
  registry: Registry,
  env: NodeJS.ProcessEnv,
  config: Pick<DeliveryConfig, 'concurrency' | 'batchSize' | 'leaseMs'>,
): DeliveryThread {
  // Hand-offs go on a port of their own, which the thread also reads between its steps (cli/handoff-port.ts).
  const handoffs = new MessageChannel();
  const owner = newDispatcherOwner();
  // Shared memory: this thread takes from it as it publishes, the delivery thread gives back.
  const room = newHandoffRoom(config);
  const worker = startGatedWorker(new URL('./delivery-thread.js', import.meta.url), { env: { ...env }, handoffs: handoffs.port2, owner, handoffRoom: room }, [
    handoffs.port2,
  ]);
  let held = 0;
  let threadMetrics: unknown = [];
  let stopped: (() => void) | null = null;
  // Not events.once: that rejects on an 'error' event, which `ready` reports.
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  // Stuck subscriptions are reported from the engine's first sweep on, a second after it is ready.
  const handoff = new DeliveryHandoff({
    owner,
    leaseMs: config.leaseMs,
    room,
    take: (ids, subscriptionIds, leasedUntil) => handoffs.port1.postMessage({ ids, subscriptionIds, leasedUntil } satisfies Handoff),
  });
  worker.on('message', (report: ThreadReport) => {
    if (report.kind === 'status') {
      held = report.held;
      threadMetrics = report.metrics;
    }
    if (report.kind === 'stuck') handoff.setStuck(report.subscriptionIds);
    if (report.kind === 'stopped') stopped?.();
  });
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (report: ThreadReport) => report.kind === 'ready' && resolve());
    worker.once('error', reject);
    void exited.then((code) => reject(new Error(`the delivery thread ended before it was ready (exit code ${code})`)));
  });

  // Wake-ups fold: one message per turn of the event loop however many publishes committed.
  let wakePending = false;
  const unsubscribe = store.onDeliveriesDue(() => {
    if (wakePending) return;
    wakePending = true;
    setImmediate(() => {
      wakePending = false;
      worker.postMessage('due' satisfies ThreadCommand);
    });
  });

  const ownMetrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    const merged = AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), threadMetrics] as never);
    return (await merged.metrics()) || ownMetrics();
  };

  return {
    get held() {
      return held;
    },
    handoff,
    ready,
    async stop() {
      unsubscribe();
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage('stop' satisfies ThreadCommand);
      // A thread that failed to start has ended already: 'exit' was emitted then, and is not again.
      await Promise.race([done, exited]);
      await worker.terminate();
      handoffs.port1.close();
    },
  };
}
