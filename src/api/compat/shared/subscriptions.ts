import { HookpostError } from '../../../core/errors.js';
import { localEventType, qualifyEventType } from '../../../core/event-namespaces.js';
import type { Subscription } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  modifySubscription,
  updateSubscription,
  view,
  type SubscriptionInput,
  type SubscriptionModification,
  type SubscriptionView,
} from '../../../service/subscriptions.js';

// Platforms cap how many webhooks a site may have; a tenant's webhooks of one platform are read
// whole, so that offset pages, totals and filters work the way each platform documents them.
const LIST_BATCH = 250;
const MAX_LISTED = 10_000;

/**
 * A platform's webhooks: the tenant's subscriptions in that platform's delivery format. Another
 * format's subscription (native or another platform's) is not found here. The door speaks its
 * platform's own event names; they are stored in the platform's namespace (`kajabi:purchase`),
 * so they never meet the operator's types of the same spelling.
 */
export class PlatformSubscriptions {
  constructor(
    private readonly service: ServiceDeps,
    private readonly format: string,
  ) {}

  /** Creates a webhook; with `shareSecret`, it takes the secret of the tenant's other webhooks of this platform, if any. */
  async create(tenantId: string, input: SubscriptionInput & { url: string; eventTypes: string[] }, options: { shareSecret?: boolean } = {}): Promise<SubscriptionView> {
    const created = await createSubscription(
      this.service,
      tenantId,
      { ...input, eventTypes: this.#qualify(input.eventTypes), format: this.format },
      { shareSecretWithinFormat: options.shareSecret ?? false },
    );
    return this.#local(created);
  }

  /** A read-modify-write of one of this platform's webhooks, in one store transaction (see modifySubscription). */
  async modify(tenantId: string, id: string, change: (current: Subscription) => SubscriptionModification): Promise<SubscriptionView> {
    return this.#local(
      await modifySubscription(this.service, tenantId, id, (current) => {
        if (current.format !== this.format) throw new HookpostError('not_found', `No webhook ${id}.`);
        return change(current);
      }),
    );
  }

  /** The webhook (with its secret opened when `withSecret`); not_found when it is not this platform's. */
  async get(tenantId: string, id: string, options: { withSecret?: boolean; notFound?: () => Error } = {}): Promise<SubscriptionView> {
    const subscription = await this.service.store.getSubscription(tenantId, id);
    if (!subscription || subscription.format !== this.format) throw options.notFound?.() ?? new HookpostError('not_found', `No webhook ${id}.`);
    return this.#local(view(this.service, subscription, options.withSecret ?? false));
  }

  /** All of the tenant's webhooks of this platform, oldest first. */
  async list(tenantId: string): Promise<SubscriptionView[]> {
    const all: SubscriptionView[] = [];
    let cursor: string | null = null;
    do {
      const page = await listSubscriptions(this.service, tenantId, { format: this.format }, { cursor, limit: LIST_BATCH });
      all.push(...page.items.map((item) => this.#local(item)));
      cursor = page.nextCursor;
    } while (cursor !== null && all.length < MAX_LISTED);
    return all;
  }

  /** Changes a webhook; `platformDataPatch` is merged into its platform data in the same transaction. */
  async update(tenantId: string, id: string, input: SubscriptionInput, platformDataPatch?: Record<string, unknown>): Promise<SubscriptionView> {
    await this.get(tenantId, id);
    const eventTypes = input.eventTypes && this.#qualify(input.eventTypes);
    return this.#local(await updateSubscription(this.service, tenantId, id, { ...input, eventTypes }, platformDataPatch));
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await deleteSubscription(this.service, tenantId, id);
  }

  #qualify(eventTypes: string[]): string[] {
    return eventTypes.map((name) => (name === '*' ? name : qualifyEventType(this.format, name)));
  }

  #local<T extends SubscriptionView>(subscription: T): T {
    return { ...subscription, eventTypes: subscription.eventTypes.map((name) => localEventType(this.format, name)) };
  }
}

/** A webhook's platform data, typed by the platform that wrote it. */
export function platformDataOf<T>(subscription: Pick<Subscription, 'platformData'>): Partial<T> {
  return subscription.platformData as Partial<T>;
}
