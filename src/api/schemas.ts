import { Type, type Static } from '../vendor/typebox.js';


// Request and response shapes of the native API, defined once: Fastify validates and serialises
// with them, @fastify/swagger documents them, and the route handlers derive their types.

const Timestamp = Type.String({ format: 'date-time' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const StringMap = (maxValue: number) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: maxValue }), { maxProperties: 50 });
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const PageQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 600 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, default: 50 })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ data: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });

export const TenantParams = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 64 }) });
export const TenantResourceParams = Type.Object({
  tenant: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ minLength: 1, maxLength: 128 }),
});

// Tenants and keys
export const CreateTenantBody = Type.Object(
  { id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })), name: Name },
  { additionalProperties: false },
);
export const Tenant = Type.Object({ id: Type.String(), name: Type.String(), created_at: Timestamp });
export const TenantPage = page(Tenant);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20, uniqueItems: true })),
  },
  { additionalProperties: false },
);
const ApiKeyFields = {
  id: Type.String({ description: 'Also the OAuth client_id of this key.' }),
  tenant_id: Type.Union([Type.String(), Type.Null()], { description: 'Null for an admin key, bound to no tenant.' }),
  name: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()], { description: 'Updated at most once a minute.' }),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
};
export const ApiKeyInfo = Type.Object(ApiKeyFields);
export const ApiKey = Type.Object({
  ...ApiKeyFields,
  key: Type.String({ description: 'The bearer token, and the OAuth client_secret. Shown this once; only its hash is stored.' }),
});
export const ApiKeyPage = page(ApiKeyInfo);
export const ApiKeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

// Audit log
export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.Object({ kind: Type.String(), id: Type.String() }),
  action: Type.String(),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  target_type: Type.String(),
  target_id: Type.Union([Type.String(), Type.Null()]),
  details: JsonObject,
});
export const AuditPage = page(AuditEntry);
export const AuditQuery = Type.Object(
  {
    ...PageQuery.properties,
    tenant_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

// Event types
const EventTypeName = Type.String({ pattern: '^[A-Za-z0-9_.:*-]{1,128}$' });
export const CreateEventTypeBody = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    schema: Type.Optional(JsonObject),
    example: Type.Optional(JsonObject),
  },
  { additionalProperties: false },
);
export const UpdateEventTypeBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    schema: Type.Optional(Type.Union([JsonObject, Type.Null()])),
    example: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  },
  { additionalProperties: false },
);
export const EventTypeParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
export const EventType = Type.Object({
  name: Type.String(),
  description: Type.String(),
  schema: Type.Union([JsonObject, Type.Null()]),
  example: Type.Union([JsonObject, Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const EventTypePage = page(EventType);

// Subscriptions
const RetryPolicyBody = Type.Object(
  {
    schedule_ms: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 49, description: 'Waits before attempts 2, 3, … in ms.' })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Attempts in all; the last delay repeats if the schedule is shorter.' })),
  },
  { additionalProperties: false, description: "This subscription's own retry policy; null (default) uses the instance's HOOKPOST_RETRY_SCHEDULE." },
);
const DeliveryOrdering = Type.Union([Type.Literal('none'), Type.Literal('subscription'), Type.Literal('key')], {
  description:
    'none (default): deliveries go out as soon as they may. subscription: one at a time, in publish order. key: one at a time per event `ordering_key`, in publish order (events without a key are not ordered). A delivery waits while an earlier one of its group is pending or in flight, retries included; a change applies to deliveries made after it.',
});
const RateLimit = Type.Number({
  exclusiveMinimum: 0,
  maximum: 10_000,
  description:
    'Requests per second at most to this subscription, across every worker process (a token bucket; bursts up to one second of it). After a 429 the rate in force halves (not below 1 per 10 s) and nothing is sent before Retry-After; it then grows back by a tenth of this value each second. null (default): no limit.',
});
const MaxInFlight = Type.Integer({
  minimum: 1,
  maximum: 1_000,
  description: 'Deliveries in flight at most to this subscription, across every worker process. null (default): only HOOKPOST_ENDPOINT_CONCURRENCY, per process.',
});
const SubscriptionFields = {
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  event_types: Type.Array(EventTypeName, { minItems: 1, maxItems: 100 }),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  metadata: Type.Optional(StringMap(1000)),
  headers: Type.Optional(StringMap(4096)),
  filter: Type.Optional(Type.Union([JsonObject, Type.Null()])),
  secret: Type.Optional(Type.String({ maxLength: 200 })),
  active: Type.Optional(Type.Boolean()),
  retry_policy: Type.Optional(Type.Union([RetryPolicyBody, Type.Null()])),
  ordering: Type.Optional(DeliveryOrdering),
  rate_limit_per_second: Type.Optional(Type.Union([RateLimit, Type.Null()])),
  max_in_flight: Type.Optional(Type.Union([MaxInFlight, Type.Null()])),
};
export const CreateSubscriptionBody = Type.Object(
  { ...SubscriptionFields, signing: Type.Optional(Type.Union([Type.Literal('hmac'), Type.Literal('ed25519')], { description: 'hmac (v1, whsec_) or ed25519 (v1a, whsk_/whpk_); default hmac.' })) },
  { additionalProperties: false },
);
export type CreateSubscriptionBody = Static<typeof CreateSubscriptionBody>;
export const UpdateSubscriptionBody = Type.Partial(Type.Object(SubscriptionFields, { additionalProperties: false }));
export type UpdateSubscriptionBody = Static<typeof UpdateSubscriptionBody>;
export const Subscription = Type.Object({
  id: Type.String(),
  tenant_id: Type.String(),
  url: Type.String(),
  event_types: Type.Array(Type.String()),
  name: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
  headers: Type.Record(Type.String(), Type.String()),
  filter: Type.Union([JsonObject, Type.Null()]),
  active: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  signing: Type.Union([Type.Literal('hmac'), Type.Literal('ed25519')]),
  public_key: Type.Optional(Type.String({ description: 'With ed25519 signing: the whpk_ key receivers verify v1a signatures with.' })),
  retry_policy: Type.Union([RetryPolicyBody, Type.Null()]),
  ordering: DeliveryOrdering,
  rate_limit_per_second: Type.Union([Type.Number(), Type.Null()]),
  max_in_flight: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
  secret: Type.Optional(Type.String()),
});
export const SubscriptionPage = page(Subscription);
export const SubscriptionListQuery = PageQuery;
export const Secret = Type.Object({ secret: Type.String() });
export const RotateSecretBody = Type.Object(
  {
    secret: Type.Optional(Type.String({ maxLength: 200 })),
    grace_period_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_592_000, description: 'How long the old secret keeps signing deliveries too (default 86400).' }),
    ),
  },
  { additionalProperties: false },
);

// Events
export const PublishEventBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 128 }),
    data: JsonObject,
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
    resource_id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    deliver_at: Type.Optional(Timestamp),
    ordering_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "Subscriptions with `ordering: \"key\"` get the events that share a key one at a time, in publish order.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type PublishEventBody = Static<typeof PublishEventBody>;
export const PublishedEvent = Type.Object({ id: Type.String(), type: Type.String(), created_at: Timestamp });
/** Batch publish: at most 1,000 events, each shaped as a single publish. */
export const PublishBatchBody = Type.Object({ events: Type.Array(PublishEventBody, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });
export const PublishBatchResult = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Type.Union([Type.String(), Type.Null()]),
      status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) })),
    }),
  ),
});
export const Event = Type.Object({
  id: Type.String(),
  type: Type.String(),
  data: Type.Unknown(),
  resource_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  deliver_at: Type.Union([Timestamp, Type.Null()]),
  ordering_key: Type.Union([Type.String(), Type.Null()]),
});
export const EventPage = page(Event);

// Deliveries
const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('in_flight'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled')]);
export const Attempt = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  started_at: Timestamp,
  duration_ms: Type.Integer(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  response_body: Type.Union([Type.String(), Type.Null()]),
  error_class: Type.Union([Type.String(), Type.Null()]),
  error_message: Type.Union([Type.String(), Type.Null()]),
  succeeded: Type.Boolean(),
});
export const Delivery = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  subscription_id: Type.String(),
  status: DeliveryStatus,
  attempt_count: Type.Integer(),
  next_attempt_at: Type.Union([Timestamp, Type.Null()]),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
  attempts: Type.Array(Attempt),
});
export const DeliveryPage = page(Delivery);
export const DeliveryListQuery = Type.Object(
  {
    ...PageQuery.properties,
    event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    subscription_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    status: Type.Optional(DeliveryStatus),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;
