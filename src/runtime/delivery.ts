import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { compatFormats } from '../api/compat/index.js';
import type { Config } from '../config/config.js';
import { DeliveryFormats, nativeFormat } from '../core/envelope.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Tracing } from '../core/tracing.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { createDeliveryMetrics } from '../delivery/metrics.js';
import { originConcurrency } from '../delivery/origin-concurrency.js';
import { createOutboundClient, type OutboundClient } from '../delivery/outbound.js';
import type { QueueOptions, Store } from '../store/store.js';

/** The sending half of a process: the guarded outbound client and the dispatcher that uses it. */
export interface Delivery {
  dispatcher: Dispatcher;
  outbound: OutboundClient;
}

/** How this process's store claims: each subscription may hold twice what it sends at once (the next
 * ones are ready as slots free up, and a hanging endpoint holds only its own small part of the claim window). */
export function queueOptions(config: Config): QueueOptions {
  return { perSubscriptionClaims: 2 * config.delivery.perEndpointConcurrency, circuit: config.delivery.circuit };
}

/** Builds the outbound client and the dispatcher from the configuration (on the API's thread or its own). */
export function createDelivery(
  config: Config,
  deps: { store: Store; secrets: SecretBox; registry: Registry; logger: Logger; lookup?: LookupFunction | undefined; tracing?: Tracing | undefined },
): Delivery {
  const outbound = createOutboundClient({
    ...config.targetPolicy,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    totalTimeoutMs: config.delivery.requestTimeoutMs,
    // The pool's ceiling. An origin's pool opens connections only as sends need them, and the
    // origin-concurrency rule below lets an origin have at most the sum of its current
    // subscriptions' limits in flight (capped by the same setting), so that is what it grows to.
    maxConnectionsPerOrigin: config.delivery.originConnections,
    maxResponseBytes: config.delivery.maxResponseBytes,
    storedResponseBytes: config.delivery.storedResponseBytes,
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  });
  const dispatcher = new Dispatcher({
    store: deps.store,
    outbound,
    formats: new DeliveryFormats([nativeFormat, ...compatFormats()]),
    secrets: deps.secrets,
    config: config.delivery,
    logger: deps.logger.child({ part: 'dispatcher' }),
    metrics: createDeliveryMetrics(deps.registry),
    laneRules: [
      originConcurrency({ maxPerOrigin: config.delivery.originConnections, perSubscription: config.delivery.perEndpointConcurrency }),
    ],
    tracing: deps.tracing,
  });
  return { dispatcher, outbound };
}

/**
 * Takes over the database for sending before anything is claimed (on SQLite: the sender lock, and
 * what a dead process held in flight made due again). Every process that sends calls it first.
 */
export async function takeOverSending(store: Store, logger: Logger): Promise<void> {
  const returned = await store.takeOverSending(Date.now());
  if (returned > 0) logger.info({ deliveries: returned }, 'took back the deliveries a stopped process held in flight');
}
