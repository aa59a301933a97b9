import { Type, type Static } from '../../../vendor/typebox.js';
import { Nullable } from '../shared/nullable.js';
import { FILTER_OPERATIONS, FILTER_TYPES } from './filters.js';

// Request shapes as Timeback's OpenAPI documents them; unknown fields are refused (400 with an
// `unrecognized_keys` issue) rather than silently dropped, so that a typo does not go unnoticed.

const NullableString = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

/** The body of `POST /webhooks/` and `PUT /webhooks/:id` (the update replaces every field). */
export const WebhookBody = Type.Object(
  {
    sensor: Type.Optional(NullableString(2048)),
    name: Type.String({ maxLength: 200 }),
    description: NullableString(2000),
    targetUrl: Type.String({ maxLength: 2048 }),
    secret: Type.String({ minLength: 1, maxLength: 512 }),
    active: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type WebhookBody = Static<typeof WebhookBody>;

/** Paths `/webhooks/:id` and `/webhook-filters/:id`. */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export const WebhookIdParams = Type.Object({ webhookId: Type.String({ minLength: 1, maxLength: 128 }) });

/** `GET /webhooks/?sensor=` narrows the list to one sensor's webhooks. */
export const WebhookListQuery = Type.Object({ sensor: Type.Optional(Type.String({ maxLength: 2048 })) });

const Operation = Type.Enum(FILTER_OPERATIONS);

/**
 * The body of a webhook filter create or update. The API reference spells the operation
 * `filterOperation`, the official Python client `filterOperator`: either is accepted (the
 * route requires one of them).
 */
export const FilterBody = Type.Object(
  {
    webhookId: Type.String({ minLength: 1, maxLength: 128 }),
    filterKey: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' }),
    filterValue: Type.String({ maxLength: 2000 }),
    filterType: Type.Enum(FILTER_TYPES),
    filterOperation: Type.Optional(Operation),
    filterOperator: Type.Optional(Operation),
    active: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type FilterBody = Static<typeof FilterBody>;

/** A Caliper envelope as `POST /caliper/event` takes it. */
export const CaliperEnvelopeBody = Type.Object({
  sensor: Type.String({ minLength: 1, maxLength: 2048 }),
  sendTime: Type.String({ format: 'date-time' }),
  dataVersion: Type.String({ minLength: 1, maxLength: 200 }),
  data: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });
export type CaliperEnvelopeBody = Static<typeof CaliperEnvelopeBody>;

// The answers, as Timeback's OpenAPI documents them (its 201 for a webhook, and the
// `{ status, message, errors }` envelope of its other answers).
const DateTime = Type.String({ format: 'date-time' });

export const TimebackWebhook = Type.Object({
  id: Type.String(),
  sensor: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  targetUrl: Type.String(),
  secret: Type.String(),
  active: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
  deletedAt: Nullable(DateTime),
});
export const WebhookAnswer = Type.Object({ webhook: TimebackWebhook });
export const WebhookListAnswer = Type.Object({ webhooks: Type.Array(TimebackWebhook) });

export const TimebackFilter = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  filterKey: Type.String(),
  filterValue: Type.String(),
  filterType: Type.String(),
  filterOperation: Type.String(),
  active: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
  deletedAt: Nullable(DateTime),
});
export const FilterAnswer = Type.Object({ filter: TimebackFilter });
export const FilterListAnswer = Type.Object({ filters: Type.Array(TimebackFilter) });

/** Timeback's answer to a delete or a validation: success, no message, no errors. */
export const StatusAnswer = Type.Object({ status: Type.Literal('success'), message: Type.String(), errors: Type.Null() });
/** The answer to a Caliper envelope: the ids of the events it published. */
export const CaliperAnswer = Type.Object({ ...StatusAnswer.properties, eventIds: Type.Array(Type.String()) });
