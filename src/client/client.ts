import { randomUUID } from 'node:crypto';
import { CLIENT_ROUTES, fillPath, type RouteName } from './routes.js';
import { Transport, type ClientOptions } from './transport.js';
import type * as T from './types.js';

/** A page request: where to continue and how many at most (1–250). */
export interface PageOptions {
  cursor?: string;
  limit?: number;
}

/** How `iterate…` pages through a list: items per request (default 100). */
export interface IterateOptions {
  pageSize?: number;
}

/** One entry of a batch publish answer, in the order the events were sent. */
export interface BatchResult {
  id: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  error?: { code: string; message: string; details?: unknown };
}

/** What a tenant keeps (GET /v1/tenants/{tenant}/usage). */
export interface TenantUsage {
  events: number;
  deliveries: Record<'pending' | 'in_flight' | 'succeeded' | 'failed' | 'cancelled', number>;
  attempts: number;
  subscriptions: number;
}

/** A subscription's endpoint health. */
export interface SubscriptionHealth {
  circuit: 'closed' | 'open' | 'half_open';
  [field: string]: unknown;
}

type Params = Record<string, string>;

/**
 * A typed client of Hookpost's native API. Lists page with cursors (`list…`) or iterate every item
 * (`iterate…`); publish is idempotent (an id is minted when none is given, so a retried publish
 * never creates a second event); 429 and 503 answers are retried after their Retry-After.
 */
export class HookpostClient {
  readonly #transport: Transport;

  constructor(options: ClientOptions) {
    this.#transport = new Transport(options);
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.#transport.close();
  }

  #call<R>(route: RouteName, params: Params = {}, options: { body?: unknown; query?: Record<string, string | number | boolean | undefined>; idempotent?: boolean } = {}): Promise<R> {
    const [method, template] = CLIENT_ROUTES[route];
    return this.#transport.call<R>({
      method,
      path: fillPath(template, params),
      query: options.query,
      body: options.body,
      idempotent: options.idempotent ?? (method === 'GET' || method === 'DELETE' || method === 'PATCH'),
    });
  }

  async *#iterate<I>(list: (page: PageOptions) => Promise<T.Page<I>>, pageSize = 100): AsyncGenerator<I, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await list({ limit: pageSize, ...(cursor ? { cursor } : {}) });
      yield* page.data;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  // Tenants
  readonly tenants = {
    create: (body: T.CreateTenant) => this.#call<T.Tenant>('createTenant', {}, { body }),
    list: (page: PageOptions = {}) => this.#call<T.Page<T.Tenant>>('listTenants', {}, { query: { ...page } }),
    iterate: (options: IterateOptions = {}) => this.#iterate((page) => this.tenants.list(page), options.pageSize),
    get: (tenant: string) => this.#call<T.Tenant>('getTenant', { tenant }),
    /** Counts of the tenant's events, deliveries by status, attempts and subscriptions. */
    usage: (tenant: string) => this.#call<TenantUsage>('getTenantUsage', { tenant }),
    /** Deletes the tenant: its keys stop working and its subscriptions stop receiving at once. */
    delete: (tenant: string) => this.#call<void>('deleteTenant', { tenant }),
  };

  // API keys: a tenant's, and the instance-wide admin keys.
  readonly apiKeys = {
    create: (tenant: string, body: T.CreateApiKey = {}) => this.#call<T.ApiKey>('createApiKey', { tenant }, { body }),
    list: (tenant: string, page: PageOptions = {}) => this.#call<T.Page<T.ApiKeyInfo>>('listApiKeys', { tenant }, { query: { ...page } }),
    iterate: (tenant: string, options: IterateOptions = {}) => this.#iterate((page) => this.apiKeys.list(tenant, page), options.pageSize),
    revoke: (tenant: string, id: string) => this.#call<void>('revokeApiKey', { tenant, id }),
    createAdmin: (body: T.CreateApiKey = {}) => this.#call<T.ApiKey>('createAdminKey', {}, { body }),
    listAdmin: (page: PageOptions = {}) => this.#call<T.Page<T.ApiKeyInfo>>('listAdminKeys', {}, { query: { ...page } }),
    revokeAdmin: (id: string) => this.#call<void>('revokeAdminKey', { id }),
  };

  readonly auditLog = {
    list: (query: T.AuditQuery = {}, page: PageOptions = {}) => this.#call<T.Page<T.AuditEntry>>('listAuditLog', {}, { query: { ...query, ...page } }),
    iterate: (query: T.AuditQuery = {}, options: IterateOptions = {}) => this.#iterate((page) => this.auditLog.list(query, page), options.pageSize),
  };

  readonly eventTypes = {
    create: (body: T.CreateEventType) => this.#call<T.EventType>('createEventType', {}, { body }),
    update: (name: string, body: T.UpdateEventType) => this.#call<T.EventType>('updateEventType', { name }, { body }),
    get: (name: string) => this.#call<T.EventType>('getEventType', { name }),
    list: (page: PageOptions = {}) => this.#call<T.Page<T.EventType>>('listEventTypes', {}, { query: { ...page } }),
    iterate: (options: IterateOptions = {}) => this.#iterate((page) => this.eventTypes.list(page), options.pageSize),
  };

  readonly subscriptions = {
    create: (tenant: string, body: T.CreateSubscription) => this.#call<T.Subscription>('createSubscription', { tenant }, { body }),
    list: (tenant: string, page: PageOptions = {}) => this.#call<T.Page<T.Subscription>>('listSubscriptions', { tenant }, { query: { ...page } }),
    iterate: (tenant: string, options: IterateOptions = {}) => this.#iterate((page) => this.subscriptions.list(tenant, page), options.pageSize),
    get: (tenant: string, id: string) => this.#call<T.Subscription>('getSubscription', { tenant, id }),
    update: (tenant: string, id: string, body: T.UpdateSubscription) => this.#call<T.Subscription>('updateSubscription', { tenant, id }, { body }),
    delete: (tenant: string, id: string) => this.#call<void>('deleteSubscription', { tenant, id }),
    secret: (tenant: string, id: string) => this.#call<T.Secret>('getSubscriptionSecret', { tenant, id }),
    rotateSecret: (tenant: string, id: string, body: T.RotateSecret & { grace_period_seconds?: number } = {}) =>
      this.#call<T.Secret>('rotateSubscriptionSecret', { tenant, id }, { body }),
    /** Re-sends what the subscription missed from `since` (until `until`) as a background task. */
    recover: (tenant: string, id: string, body: T.Recover) => this.#call<T.StartedTask>('recoverSubscription', { tenant, id }, { body, idempotent: true }),
    /** Sends the event type's example to this subscription only. */
    test: (tenant: string, id: string, body: { event_type: string }) => this.#call<{ id: string }>('testSubscription', { tenant, id }, { body }),
    health: (tenant: string, id: string) => this.#call<SubscriptionHealth>('getSubscriptionHealth', { tenant, id }),
    /** The subscription's events after `after` (a previous answer's cursor), in publish order; `wait` seconds long-polls an empty read. */
    events: (tenant: string, id: string, options: { after?: string | null; limit?: number; wait?: number } = {}) =>
      this.#call<{ data: T.Event[]; cursor: string | null }>('readSubscriptionEvents', { tenant, id }, {
        query: { ...(options.after ? { after: options.after } : {}), ...(options.limit ? { limit: options.limit } : {}), ...(options.wait ? { wait: options.wait } : {}) },
      }),
  };

  readonly tasks = {
    get: (tenant: string, id: string) => this.#call<T.Task>('getTask', { tenant, id }),
    /** Polls until the task is no longer running; `onProgress` sees each reading. */
    wait: async (tenant: string, id: string, options: { intervalMs?: number; onProgress?: (task: T.Task) => void } = {}) => {
      for (;;) {
        const task = await this.tasks.get(tenant, id);
        options.onProgress?.(task);
        if (task.status !== 'running') return task;
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
      }
    },
  };

  readonly events = {
    /**
     * Publishes an event. Without `id`, one is minted here, so that the retries this client makes
     * (and any the caller makes with the returned id) can never publish the event twice.
     */
    publish: (tenant: string, body: Omit<T.PublishEvent, 'id'> & { id?: string | undefined; ordering_key?: string }) => {
      const event = { ...body, id: body.id ?? `evt_${randomUUID().replaceAll('-', '')}` };
      return this.#call<T.PublishedEvent>('publishEvent', { tenant }, { body: event, idempotent: true });
    },
    /** Up to 1000 events in one call; each gets an id here when it has none, so the whole call may be retried. */
    publishBatch: async (tenant: string, events: (Omit<T.PublishEvent, 'id'> & { id?: string | undefined })[]) => {
      const withIds = events.map((e) => ({ ...e, id: e.id ?? `evt_${randomUUID().replaceAll('-', '')}` }));
      return this.#call<{ data: BatchResult[] }>('publishBatch', { tenant }, { body: { events: withIds }, idempotent: true });
    },
    get: (tenant: string, id: string) => this.#call<T.Event>('getEvent', { tenant, id }),
    list: (tenant: string, page: PageOptions = {}) => this.#call<T.Page<T.Event>>('listEvents', { tenant }, { query: { ...page } }),
    iterate: (tenant: string, options: IterateOptions = {}) => this.#iterate((page) => this.events.list(tenant, page), options.pageSize),
    cancel: (tenant: string, id: string) => this.#call<unknown>('cancelEvent', { tenant, id }, { idempotent: true }),
    resend: (tenant: string, id: string, body: { subscription_id?: string } = {}) => this.#call<unknown>('resendEvent', { tenant, id }, { body }),
  };

  readonly deliveries = {
    list: (tenant: string, query: T.DeliveryQuery = {}, page: PageOptions = {}) =>
      this.#call<T.Page<T.Delivery>>('listDeliveries', { tenant }, { query: { ...query, ...page } }),
    iterate: (tenant: string, query: T.DeliveryQuery = {}, options: IterateOptions = {}) =>
      this.#iterate((page) => this.deliveries.list(tenant, query, page), options.pageSize),
    get: (tenant: string, id: string) => this.#call<T.Delivery>('getDelivery', { tenant, id }),
    /** Sends the delivery again now (a repeat is harmless: it only makes the delivery due). */
    retry: (tenant: string, id: string) => this.#call<T.Delivery>('retryDelivery', { tenant, id }, { idempotent: true }),
  };
}
