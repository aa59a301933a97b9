import { Type, type Static, type TSchema } from '../../../vendor/typebox.js';
import { Nullable } from '../shared/nullable.js';
import type { SubscriptionView } from '../../../service/subscriptions.js';
import { iso } from '../shared/formats.js';
import { platformDataOf } from '../shared/subscriptions.js';
import { KAJABI_EVENTS } from './catalog.js';

/** Kajabi's JSON:API media type, for requests and answers. */
export const JSON_API = 'application/vnd.api+json';

// The seed schema types resource_id as integer|null while its own example sends "123": both are taken.
const ResourceId = Type.Unsafe<number | string | null>({
  anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]{1,15}$' }, { type: 'null' }],
});
const ResourceIdentifier = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), type: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

/** The create request exactly as Kajabi's OpenAPI block documents it; read-only timestamps are tolerated and ignored. */
export const CreateHookBody = Type.Object(
  {
    data: Type.Object(
      {
        type: Type.Enum(['hooks']),
        attributes: Type.Object(
          {
            target_url: Type.String({ minLength: 1, maxLength: 2048 }),
            event: Type.Enum(KAJABI_EVENTS),
            resource_id: Type.Optional(ResourceId),
            created_at: Type.Optional(Type.String({ maxLength: 64 })),
            updated_at: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        relationships: Type.Object(
          { site: Type.Object({ data: Type.Optional(ResourceIdentifier) }, { additionalProperties: false }) },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateHookBody = Static<typeof CreateHookBody>;

export const HookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const HookListQuery = Type.Object({
  'page[number]': Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  'page[size]': Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  'filter[event_eq]': Type.Optional(Type.String({ maxLength: 64 })),
});
export type HookListQuery = Static<typeof HookListQuery>;


/** A hook as a JSON:API resource object, as Kajabi's seed documents it. */
export const HookResource = Type.Object({
  id: Type.String(),
  type: Type.Literal('hooks'),
  attributes: Type.Object({
    event: Type.String(),
    target_url: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    resource_id: Nullable(Type.Integer()),
  }),
  relationships: Type.Object({ site: Type.Object({ data: Type.Object({ id: Type.String(), type: Type.Literal('sites') }) }) }),
});

/** A page of hooks with JSON:API links and Kajabi's paging facts. */
export const HookList = Type.Object({
  data: Type.Array(HookResource),
  links: Type.Object({ self: Type.String(), first: Type.String(), prev: Nullable(Type.String()), next: Nullable(Type.String()), last: Type.String() }),
  meta: Type.Object({ total_pages: Type.Integer(), total_count: Type.Integer(), current_page: Type.Integer() }),
});

/** The API version document of `GET /v1/version`. */
export const VersionDocument = Type.Object({
  data: Type.Object({ id: Type.String(), type: Type.Literal('versions'), attributes: Type.Object({ version: Type.String() }) }),
});

/** An event's sample: the JSON:API resources its deliveries' payload carries. */
export const SampleDocument = Type.Unknown({ description: "The event's sample payload, as Kajabi's sample endpoint documents it." });

/** A response schema for Kajabi's media type. */
export function jsonApi<T extends TSchema>(schema: T) {
  return { content: { [JSON_API]: { schema } } };
}

/** What a Kajabi hook keeps besides URL and event. */
export interface KajabiData {
  site_id: string;
  resource_id: number | null;
}

/** resource_id as Kajabi stores it: an integer, or null for a wildcard hook. */
export function parseResourceId(value: number | string | null | undefined): number | null {
  return value === undefined || value === null ? null : Number(value);
}

/** A hook as a JSON:API resource object. */
export function presentHook(subscription: SubscriptionView, tenantId: string): Static<typeof HookResource> {
  const data = platformDataOf<KajabiData>(subscription);
  return {
    id: subscription.id,
    type: 'hooks' as const,
    attributes: {
      event: subscription.eventTypes[0] ?? '',
      target_url: subscription.url,
      created_at: iso(subscription.createdAt),
      updated_at: iso(subscription.updatedAt),
      resource_id: data.resource_id ?? null,
    },
    relationships: { site: { data: { id: data.site_id ?? tenantId, type: 'sites' } } },
  };
}
