import { Counter, Histogram, type Registry } from 'prom-client';
import type { OutboundResult } from './outbound.js';

/** What the dispatcher reports about its attempts. */
export interface DeliveryMetrics {
  recordAttempt(result: OutboundResult, status: 'succeeded' | 'failed' | 'pending'): void;
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
  return {
    recordAttempt(result, status) {
      attempts.inc({ outcome: status === 'pending' ? 'retry_scheduled' : status, error_class: result.errorClass ?? 'none' });
      duration.observe(result.durationMs / 1000);
    },
  };
}
