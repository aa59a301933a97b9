import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/config.js';
import { HookpostError } from '../core/errors.js';
import type { PageRequest } from '../core/model.js';
import { listDeliveries, requireDelivery, retryDelivery } from '../service/deliveries.js';
import { defineEventType, type EventTypeInput } from '../service/event-types.js';
import { publishThrough } from '../service/outbox.js';
import { publishEvent, type PublishInput, type PublishResult } from '../service/publish.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  requireSubscription,
  updateSubscription,
  view,
  type SubscriptionInput,
  type SubscriptionView,
} from '../service/subscriptions.js';
import { createTenant, type NewTenant } from '../service/tenants.js';
import { createDelivery } from '../runtime/delivery.js';
import { takeOverSending } from '../runtime/sending.js';
import { createTaskRunner } from '../runtime/task-runner.js';
import { openService } from '../runtime/open-service.js';
import type { OutboxClient } from '../store/index.js';
import type { DeliveryQuery } from '../store/store.js';

/** How an embedded Hookpost is set up. */
export interface HookpostOptions {
  /** `postgres://…` (needed for the transactional outbox) or `sqlite:<path>`. */
  databaseUrl: string;
  /** The key that seals subscription secrets: 64 hex characters or base64 of 32 bytes. Share it with any Hookpost server on the same database. */
  secretKey?: string;
  /** Where a generated key is kept when `secretKey` is absent (default ./data). */
  dataDir?: string;
  /** Send deliveries from this process (default true). False: only publish and manage; a server's workers deliver. */
  dispatch?: boolean;
  /** Any other HOOKPOST_* setting, by its variable name (e.g. HOOKPOST_ALLOW_PRIVATE_TARGETS: '1'). */
  settings?: Record<string, string>;
  /** A pino logger for the dispatcher; silent by default. */
  logger?: Logger;
}

/** An event to publish: its tenant, type and data, and optionally its id (idempotency), resource and delivery time. */
export interface EmbeddedEvent {
  tenant: string;
  type: string;
  data: Record<string, unknown>;
  id?: string;
  resourceId?: string | null;
  deliverAt?: Date | number | null;
  /** Subscriptions with `ordering: 'key'` get events sharing this key one at a time, in publish order. */
  orderingKey?: string | null;
}

/** Hookpost inside a Node application: publish, subscriptions and the dispatcher, no HTTP server. */
export interface Hookpost {
  /**
   * Publishes an event. With `{ client }` (a `pg` client inside the caller's open transaction,
   * PostgreSQL only), the event and its deliveries are written through that client and exist if
   * and only if the caller's transaction commits: a transactional outbox.
   */
  publish(event: EmbeddedEvent, options?: { client?: OutboxClient }): Promise<PublishResult>;
  tenants: { create(input: NewTenant): Promise<{ id: string; name: string }> };
  eventTypes: { define(input: EventTypeInput): Promise<void> };
  subscriptions: {
    create(tenant: string, input: SubscriptionInput & { url: string; eventTypes: string[] }): Promise<SubscriptionView>;
    get(tenant: string, id: string): Promise<SubscriptionView>;
    list(tenant: string, page?: Partial<PageRequest>): Promise<{ items: SubscriptionView[]; nextCursor: string | null }>;
    update(tenant: string, id: string, changes: SubscriptionInput): Promise<SubscriptionView>;
    delete(tenant: string, id: string): Promise<void>;
  };
  deliveries: {
    list(tenant: string, query?: DeliveryQuery, page?: Partial<PageRequest>): ReturnType<typeof listDeliveries>;
    get(tenant: string, id: string): ReturnType<typeof requireDelivery>;
    retry(tenant: string, id: string): ReturnType<typeof retryDelivery>;
  };
  /** Stops the dispatcher (letting requests in flight finish) and closes the database. */
  close(): Promise<void>;
}

/** Opens the database (migrating it), and starts the dispatcher unless `dispatch` is false. */
export async function createHookpost(options: HookpostOptions): Promise<Hookpost> {
  const config = loadConfig({
    ...options.settings,
    HOOKPOST_DATABASE_URL: options.databaseUrl,
    ...(options.secretKey ? { HOOKPOST_SECRET_KEY: options.secretKey } : {}),
    ...(options.dataDir ? { HOOKPOST_DATA_DIR: options.dataDir } : {}),
  });
  const logger = options.logger ?? pino({ level: 'silent' });
  const { service, schemas } = await openService(config, logger);
  const { store } = service;
  // Sends as a server's worker does: the same outbound client, lanes and sender lock.
  const delivery =
    options.dispatch === false ? null : createDelivery(config, { store, secrets: service.secrets, registry: new Registry(), logger, tracing: service.tracing });
  if (delivery) {
    try {
      await takeOverSending(store, logger);
    } catch (error) {
      // On SQLite another process is sending from the file (database_in_use): leave nothing open.
      await delivery.outbound.close();
      await store.close();
      throw error;
    }
    delivery.dispatcher.start();
    service.handoff = delivery.handoff;
  }
  // Background tasks run where deliveries are sent, as in a server: here they finish a wide fan-out
  // whose writer died between its parts (service/fan-out.ts), this process's own after a restart included.
  const tasks = delivery ? createTaskRunner(service, config, logger) : null;
  tasks?.start();
  const isPostgres = !config.databaseUrl.startsWith('sqlite:');

  const page = (p: Partial<PageRequest> = {}): PageRequest => ({ cursor: p.cursor ?? null, limit: p.limit ?? 100 });
  const toInput = (event: EmbeddedEvent): PublishInput => ({
    type: event.type,
    data: event.data,
    id: event.id,
    resourceId: event.resourceId ?? null,
    deliverAt: event.deliverAt instanceof Date ? event.deliverAt.getTime() : (event.deliverAt ?? null),
    orderingKey: event.orderingKey ?? null,
  });

  return {
    async publish(event, publishOptions = {}) {
      if (!publishOptions.client) return publishEvent(service, schemas, event.tenant, toInput(event));
      if (!isPostgres) throw new HookpostError('bad_request', 'publish with { client } (the transactional outbox) needs a PostgreSQL database.');
      return publishThrough(service, schemas, publishOptions.client, event.tenant, toInput(event));
    },
    tenants: { create: async (input) => createTenant(service, input) },
    eventTypes: {
      define: async (input) => {
        await defineEventType(service, schemas, input, { replace: true });
      },
    },
    subscriptions: {
      create: (tenant, input) => createSubscription(service, tenant, input),
      get: async (tenant, id) => view(service, await requireSubscription(service, tenant, id), false),
      list: (tenant, p) => listSubscriptions(service, tenant, {}, page(p)),
      update: (tenant, id, changes) => updateSubscription(service, tenant, id, changes),
      delete: (tenant, id) => deleteSubscription(service, tenant, id),
    },
    deliveries: {
      list: (tenant, query = {}, p) => listDeliveries(service, tenant, query, page(p)),
      get: (tenant, id) => requireDelivery(service, tenant, id),
      retry: (tenant, id) => retryDelivery(service, tenant, id),
    },
    async close() {
      delete service.handoff;
      await tasks?.stop();
      await delivery?.dispatcher.stop();
      await delivery?.outbound.close();
      await service.tracing?.shutdown();
      await store.close();
    },
  };
}
