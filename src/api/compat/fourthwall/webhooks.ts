import { Type, type Static } from '../../../vendor/typebox.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { FOURTHWALL_EVENT_TYPES } from './catalog.js';
import { shopSecretOfKey } from './secrets.js';

// Request shapes as Fourthwall's OpenAPI documents them (WebhookConfigurationCreateRequest and
// the update request); unknown fields are refused.

const AllowedTypes = Type.Array(Type.Enum(FOURTHWALL_EVENT_TYPES), { minItems: 1, maxItems: FOURTHWALL_EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({ minLength: 1, maxLength: 2048 });

export const CreateWebhookBody = Type.Object({ url: Url, allowedTypes: AllowedTypes }, { additionalProperties: false });
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object({ url: Type.Optional(Url), allowedTypes: Type.Optional(AllowedTypes) }, { additionalProperties: false });
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookParams = Type.Object({ webhookConfigurationId: Type.String({ minLength: 1, maxLength: 128 }) });

/** Fourthwall pages lists by `page` (from 0) and `size`. */
export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

/** A webhook configuration as Fourthwall answers it (its WebhookConfigurationV1). */
export const WebhookConfiguration = Type.Object({
  id: Type.String(),
  url: Type.String(),
  allowedTypes: Type.Array(Type.String()),
  apiVersion: Type.Literal('V1'),
  secret: Type.Optional(Type.String({ description: "The shop's signing secret, shared by all its webhooks." })),
});

/** A page of webhook configurations, paged by `page` (from 0) and `size`. */
export const WebhookConfigurationPage = Type.Object({
  results: Type.Array(WebhookConfiguration),
  page: Type.Integer({ minimum: 0 }),
  size: Type.Integer({ minimum: 1 }),
  total: Type.Integer({ minimum: 0 }),
  totalPages: Type.Integer({ minimum: 0 }),
});

/** A webhook configuration as Fourthwall shows it (WebhookConfigurationV1), with the shop's secret. */
export function presentWebhook(subscription: SubscriptionView & { secret?: string }): Static<typeof WebhookConfiguration> {
  return {
    id: subscription.id,
    url: subscription.url,
    allowedTypes: subscription.eventTypes,
    apiVersion: 'V1' as const,
    ...(subscription.secret === undefined ? {} : { secret: shopSecretOfKey(subscription.secret) }),
  };
}
