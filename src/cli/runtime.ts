import type { LookupFunction } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { buildApp } from '../api/app.js';
import type { Config } from '../config/config.js';
import { PACKAGE_VERSION } from '../config/package-version.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import { createBacklogMetrics } from '../delivery/metrics.js';
import type { ServiceDeps } from '../service/deps.js';
import { RetentionJob } from '../service/retention.js';
import { OperationalEventRelay, defineOperationalEventTypes } from '../service/operational-events.js';
import { takeOverSending } from '../runtime/sending.js';
import { createTaskRunner } from '../runtime/task-runner.js';
import { openService } from '../runtime/open-service.js';
import { startDeliveryThread, type DeliveryThread } from './delivery-thread-handle.js';

/** A running Hookpost process: its HTTP app, its dispatcher (if its role sends on this thread), and how to stop it. */
export interface Runtime {
  app: FastifyInstance;
  /** Null when the role does not send, or when the delivery engine runs on its own thread. */
  dispatcher: Dispatcher | null;
  service: ServiceDeps;
  /** The retention job, where this process sends (null otherwise). */
  retention: RetentionJob | null;
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
  const { service, schemas, doors, adminToken, adminTokenGenerated } = await openService(config, logger);
  const { store } = service;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  createBacklogMetrics(metrics, store, service.now);

  const sends = config.role !== 'api';
  const threaded = sends && config.role === 'all' && overrides.deliveryThread !== undefined;
  // The engine (its outbound client, undici, and the dispatcher) is loaded only where it runs on this thread.
  const delivery =
    sends && !threaded
      ? (await import('../runtime/delivery.js')).createDelivery(config, {
          store,
          secrets: service.secrets,
          registry: metrics,
          logger,
          lookup: overrides.lookup,
          tracing: service.tracing,
        })
      : null;
  const dispatcher = delivery?.dispatcher ?? null;
  let thread: DeliveryThread | null = null;

  const app = await buildApp({
    service,
    schemas,
    adminToken,
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

  // Background tasks (recovery, fan-outs whose writer died) run where deliveries are sent; an API-only process only starts them.
  const tasks = sends ? createTaskRunner(service, config, logger) : null;
  // Retention runs where deliveries are sent, every 10 minutes, in batches of 500 events.
  const retention = sends
    ? new RetentionJob(service, { retentionMs: config.delivery.retentionMs, batchSize: 500, intervalMs: 600_000, logger: logger.child({ part: 'retention' }) })
    : null;
  // Operational events (circuit opened, delivery exhausted, …) are published where deliveries are sent.
  await defineOperationalEventTypes(service);
  const operationalEvents = sends
    ? new OperationalEventRelay(service, schemas, {
        pollIntervalMs: Math.max(config.delivery.pollIntervalMs, 200),
        batchSize: 200,
        logger: logger.child({ part: 'operational-events' }),
      })
    : null;

  return {
    app,
    dispatcher,
    service,
    retention,
    adminToken,
    adminTokenGenerated,
    async startDelivery() {
      if (!sends) return;
      // Before anything is claimed, here or on the delivery thread.
      await takeOverSending(store, logger);
      dispatcher?.start();
      if (delivery) service.handoff = delivery.handoff;
      tasks?.start();
      operationalEvents?.start();
      retention?.start();
      if (threaded) {
        thread = startDeliveryThread(store, metrics, overrides.deliveryThread!.env, config.delivery);
        // From now on, before the thread is ready too: what it has not read yet waits on its port.
        service.handoff = thread.handoff;
        await thread.ready;
      }
    },
    async close() {
      await app.close();
      // From here on what is published (operational events while draining) waits for a claim.
      delete service.handoff;
      await tasks?.stop();
      await operationalEvents?.stop();
      await retention?.stop();
      await dispatcher?.stop();
      await thread?.stop();
      await delivery?.outbound.close();
      await service.tracing?.shutdown();
      await store.close();
    },
  };
}
