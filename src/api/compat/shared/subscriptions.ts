import { HookpostError } from '../../../core/errors.js';
import type { Subscription } from '../../../core/model.js';
import type { ServiceDeps } from '../../../service/deps.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  updateSubscription,
  view,
  type SubscriptionInput,
  type SubscriptionView,
} from '../../../service/subscriptions.js';

// Platforms cap how many webhooks a site may have; a tenant's webhooks of one platform are read
// whole, so that offset pages, totals and filters work the way each platform documents them.
const LIST_BATCH = 250;
const MAX_LISTED = 10_000;

/**
 * A platform's webhooks: the tenant's subscriptions in that platform's delivery format. Another
 * format's subscription (native or another platform's) is not found here.
 */
export class PlatformSubscriptions {
  constructor(
    private readonly service: ServiceDeps,
    private readonly format: string,
  ) {}

  create(tenantId: string, input: SubscriptionInput & { url: string; eventTypes: string[] }): Promise<SubscriptionView> {
    return createSubscription(this.service, tenantId, { ...input, format: this.format });
  }

  async get(tenantId: string, id: string): Promise<SubscriptionView> {
    const subscription = await this.service.store.getSubscription(tenantId, id);
    if (!subscription || subscription.format !== this.format) throw new HookpostError('not_found', `No webhook ${id}.`);
    return view(this.service, subscription, false);
  }

  /** All of the tenant's webhooks of this platform, oldest first. */
  async list(tenantId: string): Promise<SubscriptionView[]> {
    const all: SubscriptionView[] = [];
    let cursor: string | null = null;
    do {
      const page = await listSubscriptions(this.service, tenantId, { format: this.format }, { cursor, limit: LIST_BATCH });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null && all.length < MAX_LISTED);
    return all;
  }

  async update(tenantId: string, id: string, input: SubscriptionInput): Promise<SubscriptionView> {
    await this.get(tenantId, id);
    return updateSubscription(this.service, tenantId, id, input);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    await this.get(tenantId, id);
    await deleteSubscription(this.service, tenantId, id);
  }
}

/** A webhook's platform data, typed by the platform that wrote it. */
export function platformDataOf<T>(subscription: Pick<Subscription, 'platformData'>): Partial<T> {
  return subscription.platformData as Partial<T>;
}
