import type { LookupFunction } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildApp } from '../api/app.js';
import { servedPlatforms } from '../api/compat/index.js';
import type { Config } from '../config/config.js';
import { PACKAGE_VERSION } from '../config/package-version.js';
import { loadInstanceSecrets } from '../config/instance-secrets.js';
import { createSecretBox } from '../core/secret-box.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import { createBacklogMetrics } from '../delivery/metrics.js';
import type { ServiceDeps } from '../service/deps.js';
import { buildPlatformCatalogs } from '../service/event-catalog.js';
import { PayloadSchemas } from '../service/payload-schemas.js';
import { TaskRunner } from '../service/tasks.js';
import { createStore } from '../store/index.js';
import { createDelivery, queueOptions } from './delivery.js';
import { startDeliveryThread, type DeliveryThread } from './delivery-thread-handle.js';

/** A running Hookpost process: its HTTP app, its dispatcher (if its role sends on this thread), and how to stop it. */
export interface Runtime {
  app: FastifyInstance;
  /** Null when the role does not send, or when the delivery engine runs on its own thread. */
  dispatcher: Dispatcher | null;
  service: ServiceDeps;
  adminToken: string;
  adminTokenGenerated: boolean;
  /**
   * Starts sending, once the rest of start-up has succeeded (the port is bound): takes over the
   * database for sending (see Store.takeOverSending), then starts the dispatcher or its thread.
   */
  startDelivery(): Promise<void>;
  /** Stops taking requests, drains deliveries in flight, closes the store. */
  close(): Promise<void>;
}

/** Parts a caller may substitute (tests pass a DNS resolver so no real DNS is needed). */
export interface RuntimeOverrides {
  lookup?: LookupFunction;
  /**
   * Role `all` only: run the delivery engine on a worker thread (what `serve` does), so the API and
   * the dispatcher use both cores. The thread reads its settings from this environment.
   */
  deliveryThread?: { env: NodeJS.ProcessEnv };
}

/** Builds every part from the configuration: store, services, delivery, HTTP app. Does not listen. */
export async function createRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const secrets = loadInstanceSecrets(config);
  const storeLogger = logger.child({ part: 'store' });
  const store = await createStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    warn: (message, error) => storeLogger.warn({ err: error }, message),
    queue: queueOptions(config),
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
  const threaded = sends && config.role === 'all' && overrides.deliveryThread !== undefined;
  const delivery =
    sends && !threaded
      ? createDelivery(config, { store, secrets: service.secrets, registry: metrics, logger, lookup: overrides.lookup })
      : null;
  const dispatcher = delivery?.dispatcher ?? null;
  let thread: DeliveryThread | null = null;

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
    health: () => ({ role: config.role, held_deliveries: dispatcher?.held ?? thread?.held ?? 0 }),
    compat: doors,
    version: PACKAGE_VERSION,
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
      if (!sends) return;
      // Takes over the database for sending (on SQLite: the sender lock, and what a dead process
      // held in flight made due again) before anything is claimed, here or on the delivery thread.
      const returned = await store.takeOverSending(Date.now());
      if (returned > 0) logger.info({ deliveries: returned }, 'took back the deliveries a stopped process held in flight');
      dispatcher?.start();
      tasks?.start();
      if (threaded) thread = await startDeliveryThread(store, metrics, overrides.deliveryThread!.env);
    },
    async close() {
      await app.close();
      await tasks?.stop();
      await dispatcher?.stop();
      await thread?.stop();
      await delivery?.outbound.close();
      await store.close();
    },
  };
}
