import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { DeliveryHandoff } from '../service/handoff.js';
import type { Store } from '../store/store.js';
import type { Handoff, ThreadCommand, ThreadReport } from './delivery-thread.js';
import { startGatedWorker } from './gated-worker.js';

/** The API thread's side of the delivery thread. */
export interface DeliveryThread {
  /** Deliveries the thread held at its last report. */
  readonly held: number;
  /** Publishes hand fresh deliveries to the thread through this (see service/handoff.ts). */
  readonly handoff: DeliveryHandoff;
  /** Drains the thread's deliveries in flight and ends it. */
  stop(): Promise<void>;
}

/**
 * Starts the delivery engine on a worker thread with the same environment, wakes it whenever this
 * thread's store says deliveries are due, and folds the thread's delivery metrics into `registry`
 * (what /metrics serves). Resolves once the thread's dispatcher runs.
 */
export async function startDeliveryThread(store: Store, registry: Registry, env: NodeJS.ProcessEnv): Promise<DeliveryThread> {
  // Hand-offs go on a port of their own, which the thread also reads between its steps (cli/handoff-port.ts).
  const handoffs = new MessageChannel();
  const worker = startGatedWorker(new URL('./delivery-thread.js', import.meta.url), { env: { ...env }, handoffs: handoffs.port2 }, [handoffs.port2]);
  let held = 0;
  let threadMetrics: unknown = [];
  let stopped: (() => void) | null = null;
  // Made once the thread is ready; stuck subscriptions are reported from the engine's first sweep on, a second later.
  let handoff: DeliveryHandoff | null = null;
  worker.on('message', (report: ThreadReport) => {
    if (report.kind === 'status') {
      held = report.held;
      threadMetrics = report.metrics;
    }
    if (report.kind === 'stuck') handoff?.setStuck(report.subscriptionIds);
    if (report.kind === 'stopped') stopped?.();
  });
  const ready = new Promise<Extract<ThreadReport, { kind: 'ready' }>>((resolve, reject) => {
    worker.on('message', (report: ThreadReport) => report.kind === 'ready' && resolve(report));
    worker.once('error', reject);
  });
  const { owner, leaseMs, handoffRoom } = await ready;
  handoff = new DeliveryHandoff({
    owner,
    leaseMs,
    room: handoffRoom,
    take: (ids, subscriptionIds, leasedUntil) => handoffs.port1.postMessage({ ids, subscriptionIds, leasedUntil } satisfies Handoff),
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
    async stop() {
      unsubscribe();
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage('stop' satisfies ThreadCommand);
      await Promise.race([done, once(worker, 'exit')]);
      await worker.terminate();
      handoffs.port1.close();
    },
  };
}
