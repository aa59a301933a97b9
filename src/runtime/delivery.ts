import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { compatFormats } from '../api/compat/formats.js';
import type { Config } from '../config/config.js';
import { DeliveryFormats, nativeFormat } from '../core/envelope.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Tracing } from '../core/tracing.js';
import { Dispatcher, type DispatcherDeps } from '../delivery/dispatcher.js';
import { createDeliveryMetrics } from '../delivery/metrics.js';
import { originConcurrency } from '../delivery/origin-concurrency.js';
import { createOutboundClient, type OutboundClient } from '../delivery/outbound.js';
import { DeliveryHandoff } from '../service/handoff.js';
import type { Store } from '../store/store.js';

/** The sending half of a process: the guarded outbound client, the dispatcher that uses it, and the hand-off of this thread's publishes to it. */
export interface Delivery {
  dispatcher: Dispatcher;
  outbound: OutboundClient;
  /** Set it as the service's `handoff` once the dispatcher runs. */
  handoff: DeliveryHandoff;
}

/** Builds the outbound client and the dispatcher from the configuration (on the API's thread or its own). */
export function createDelivery(
  config: Config,
  deps: {
    store: Store;
    /** Where outcomes are recorded, if not the store (see DispatcherDeps.outcomes). */
    outcomes?: Pick<Store, 'recordOutcomes'> | undefined;
    secrets: SecretBox;
    registry: Registry;
    logger: Logger;
    lookup?: LookupFunction | undefined;
    tracing?: Tracing | undefined;
    /** The dispatcher's lease owner and hand-off room, when the API's thread made them (DispatcherDeps.handoff). */
    handoff?: DispatcherDeps['handoff'];
  },
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
    outcomes: deps.outcomes,
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
    handoff: deps.handoff,
  });
  const handoff = new DeliveryHandoff({
    owner: dispatcher.owner,
    leaseMs: config.delivery.leaseMs,
    room: dispatcher.handoffRoom,
    take: (ids, subscriptionIds, leasedUntil) => void dispatcher.take(ids, subscriptionIds, leasedUntil),
  });
  dispatcher.onStuckChange((subscriptionIds) => handoff.setStuck(subscriptionIds));
  return { dispatcher, outbound, handoff };
}
