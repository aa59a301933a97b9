import type { LookupFunction } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildApp } from '../api/app.js';
import { compatFormats, servedPlatforms } from '../api/compat/index.js';
import type { Config } from '../config/config.js';
import { loadInstanceSecrets } from '../config/instance-secrets.js';
import { DeliveryFormats, nativeFormat } from '../core/envelope.js';
import { createSecretBox } from '../core/secret-box.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { originConcurrency } from '../delivery/origin-concurrency.js';
import { createBacklogMetrics, createDeliveryMetrics } from '../delivery/metrics.js';
import { createOutboundClient } from '../delivery/outbound.js';
import type { ServiceDeps } from '../service/deps.js';
import { buildPlatformCatalogs } from '../service/event-catalog.js';
import { PayloadSchemas } from '../service/payload-schemas.js';
import { TaskRunner } from '../service/tasks.js';
import { createStore } from '../store/index.js';

/** A running Hookpost process: its HTTP app, its dispatcher (if its role sends), and how to stop it. */
export interface Runtime {
  app: FastifyInstance;
  dispatcher: Dispatcher | null;
  service: ServiceDeps;
  adminToken: string;
  adminTokenGenerated: boolean;
  /**
   * Starts sending, once the rest of start-up has succeeded (the port is bound): takes over the
   * database for sending (see Store.takeOverSending), then starts the dispatcher.
   */
  startDelivery(): Promise<void>;
  /** Stops taking requests, drains deliveries in flight, closes the store. */
  close(): Promise<void>;
}

/** Parts a caller may substitute (tests pass a DNS resolver so no real DNS is needed). */
export interface RuntimeOverrides {
  lookup?: LookupFunction;
}

/** Builds every part from the configuration: store, services, delivery, HTTP app. Does not listen. */
export async function createRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const secrets = loadInstanceSecrets(config);
  const storeLogger = logger.child({ part: 'store' });
  const store = await createStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    warn: (message, error) => storeLogger.warn({ err: error }, message),
    // Each subscription may hold twice what it sends at once: the next ones are ready as slots
    // free up, and a hanging endpoint still holds only its own small part of the claim window.
    queue: { perSubscriptionClaims: 2 * config.delivery.perEndpointConcurrency },
  });
  await store.migrate();
  const doors = servedPlatforms(config.platforms);
  const schemas = new PayloadSchemas();
  const service: ServiceDeps = {
    store,
    secrets: createSecretBox(secrets.secretKey, secrets.previousKeys),
    now: Date.now,
    targetPolicy: config.targetPolicy,
    accessTokenTtlMs: config.accessTokenTtlMs,
    platformScopes: doors.flatMap((door) => door.scopes ?? []),
    // The served doors' event types, each in its platform's namespace; never written to the store.
    platformCatalogs: buildPlatformCatalogs(schemas, doors, Date.now()),
  };
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  createBacklogMetrics(metrics, store, service.now);

  const sends = config.role !== 'api';
  const outbound = sends
    ? createOutboundClient({
        ...config.targetPolicy,
        connectTimeoutMs: config.delivery.connectTimeoutMs,
        totalTimeoutMs: config.delivery.requestTimeoutMs,
        // An origin's pool opens connections as its subscriptions need them (each sends at most
        // perEndpointConcurrency at once), up to this cap: a hanging subscription no longer takes
        // the connections of a healthy one on the same host and port.
        maxConnectionsPerOrigin: config.delivery.originConnections,
        maxResponseBytes: config.delivery.maxResponseBytes,
        storedResponseBytes: config.delivery.storedResponseBytes,
        ...(overrides.lookup ? { lookup: overrides.lookup } : {}),
      })
    : null;
  const dispatcher = outbound
    ? new Dispatcher({
        store,
        outbound,
        formats: new DeliveryFormats([nativeFormat, ...compatFormats()]),
        secrets: service.secrets,
        config: config.delivery,
        logger: logger.child({ part: 'dispatcher' }),
        metrics: createDeliveryMetrics(metrics),
        laneRules: [originConcurrency(config.delivery.originConnections)],
      })
    : null;

  const app = await buildApp({
    service,
    schemas,
    adminToken: secrets.adminToken,
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    limits: config.limits,
    rateLimit: config.rateLimit,
    serveApi: config.role !== 'worker',
    health: () => ({ role: config.role, held_deliveries: dispatcher?.held ?? 0 }),
    compat: doors,
  });

  // Background tasks (recovery) run where deliveries are sent; an API-only process only starts them.
  const tasks = sends
    ? new TaskRunner(service, {
        pollIntervalMs: Math.max(config.delivery.pollIntervalMs, 500),
        leaseMs: config.delivery.leaseMs,
        batchSize: 500,
        logger: logger.child({ part: 'tasks' }),
      })
    : null;
  if (tasks) service.wakeTasks = () => tasks.wake();

  return {
    app,
    dispatcher,
    service,
    adminToken: secrets.adminToken,
    adminTokenGenerated: secrets.adminTokenGenerated,
    async startDelivery() {
      if (!dispatcher) return;
      const returned = await store.takeOverSending(Date.now());
      if (returned > 0) logger.info({ deliveries: returned }, 'took back the deliveries a stopped process held in flight');
      dispatcher.start();
      tasks?.start();
    },
    async close() {
      await app.close();
      await tasks?.stop();
      await dispatcher?.stop();
      await outbound?.close();
      await store.close();
    },
  };
}
