import { Type, type Static } from '../../../vendor/typebox.js';
import type { HookEvent } from '../../../core/model.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { iso } from '../shared/formats.js';
import { platformDataOf } from '../shared/subscriptions.js';
import { THINKIFIC_TOPICS } from './catalog.js';
import { splitTopic } from './format.js';

/** The create and update request, as Thinkific's seed documents it. */
export const WebhookBody = Type.Object(
  {
    topic: Type.Enum(THINKIFIC_TOPICS),
    target_url: Type.String({ minLength: 1, maxLength: 2048 }),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** `page` (from 1) and `limit` as in the seed's curl; `next` (the last id seen) as in Thinkific's OpenAPI. */
export const WebhookListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, default: 25 })),
  next: Type.Optional(Type.String({ maxLength: 128 })),
});
export type WebhookListQuery = Static<typeof WebhookListQuery>;

const DateTime = Type.String({ format: 'date-time' });

/** A webhook as Thinkific answers it (its seed's create and get responses). */
export const ThinkificWebhook = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  topic: Type.String(),
  created_at: DateTime,
  created_by: Type.String(),
  updated_at: DateTime,
  updated_by: Type.String(),
  target_url: Type.String(),
});

/** A page of webhooks with Thinkific's paging facts; the totals are those of the whole list. */
export const ThinkificWebhookList = Type.Object({
  items: Type.Array(ThinkificWebhook),
  meta: Type.Object({
    page: Type.Object({
      has_next: Type.Boolean(),
      next_page: Type.String({ description: 'The `next` cursor for the following page; empty on the last page.' }),
      page_items: Type.Integer({ minimum: 0 }),
      total_items: Type.Integer({ minimum: 0 }),
      total_pages: Type.Integer({ minimum: 0 }),
    }),
  }),
});

/** An event as `GET /events/{id}` answers it. */
export const ThinkificEvent = Type.Object({
  id: Type.String(),
  resource: Type.String(),
  action: Type.String(),
  created_at: DateTime,
  payload: Type.Unknown({ description: "The event's data, as Thinkific's delivery for its topic carries it." }),
});

/** Who created and last changed a Thinkific webhook. */
export interface ThinkificData {
  created_by: string;
  updated_by: string;
}

/** A webhook as Thinkific shows it. */
export function presentWebhook(subscription: SubscriptionView): Static<typeof ThinkificWebhook> {
  const data = platformDataOf<ThinkificData>(subscription);
  return {
    id: subscription.id,
    status: subscription.active ? 'active' : 'inactive',
    topic: subscription.eventTypes[0] ?? '',
    created_at: iso(subscription.createdAt),
    created_by: data.created_by ?? '',
    updated_at: iso(subscription.updatedAt),
    updated_by: data.updated_by ?? data.created_by ?? '',
    target_url: subscription.url,
  };
}

/** An event as `GET /events/{id}` shows it: the delivery envelope without the tenant. */
export function presentEvent(event: HookEvent) {
  return { id: event.id, ...splitTopic(event.type), created_at: iso(event.createdAt), payload: event.data };
}
