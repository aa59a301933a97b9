import { Counter, Gauge, Histogram, type Registry } from './metric-classes.js';
import type { Store } from '../store/store.js';
import type { OutboundResult } from './outbound.js';

/** What the dispatcher reports about its attempts. */
export interface DeliveryMetrics {
  recordAttempt(result: OutboundResult, status: 'succeeded' | 'failed' | 'pending'): void;
  /** Deliveries that reached the dispatcher, by how: claimed from the store, or handed off by a publish of this process. */
  recordTaken(path: 'claim' | 'handoff', count: number): void;
}

/** Delivery counters and the attempt-duration histogram, registered on `registry`. */
export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const attempts = new Counter({
    name: 'hookpost_delivery_attempts_total',
    help: 'Delivery attempts, by outcome and error class.',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hookpost_delivery_attempt_duration_seconds',
    help: 'Duration of delivery attempts.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'hookpost_deliveries_total',
    help: 'Deliveries that reached a final outcome: succeeded, or failed once retries ran out.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const taken = new Counter({
    name: 'hookpost_deliveries_taken_total',
    help: 'Deliveries a dispatcher took to send: claimed from the store, or handed off by a publish in the same process (sent without a claim).',
    labelNames: ['path'] as const,
    registers: [registry],
  });
  return {
    recordTaken(path, count) {
      if (count > 0) taken.inc({ path }, count);
    },
    recordAttempt(result, status) {
      attempts.inc({ outcome: status === 'pending' ? 'retry_scheduled' : status, error_class: result.errorClass ?? 'none' });
      duration.observe(result.durationMs / 1000);
      if (status !== 'pending') deliveries.inc({ outcome: status });
    },
  };
}

/**
 * The due backlog and its oldest age, read from the store at each scrape (so every process,
 * API or worker, reports the same shared queue). A failed read leaves the gauges unset.
 */
export function createBacklogMetrics(registry: Registry, store: Store, now: () => number): void {
  // prom-client calls collect() on each gauge; one query serves both within a scrape.
  const due: Gauge = new Gauge({
    name: 'hookpost_deliveries_due',
    help: 'Pending deliveries whose due time has come.',
    registers: [registry],
    collect: () => read(),
  });
  const oldest: Gauge = new Gauge({
    name: 'hookpost_oldest_due_delivery_age_seconds',
    help: 'How long the oldest due delivery has been waiting (0 when none is due).',
    registers: [registry],
    collect: () => read(),
  });
  let reading: Promise<void> | null = null;
  function read(): Promise<void> {
    reading ??= (async () => {
      try {
        const at = now();
        const backlog = await store.dueBacklog(at);
        due.set(backlog.due);
        oldest.set(backlog.oldestDueAt === null ? 0 : Math.max(0, (at - backlog.oldestDueAt) / 1000));
      } catch {
        due.reset();
        oldest.reset();
      } finally {
        reading = null;
      }
    })();
    return reading;
  }
}
