import { Type, type Static } from '../../../vendor/typebox.js';
import { Nullable } from '../shared/nullable.js';

// The request shapes of Svix's API as the official SDK (1.x and 2.x) sends them. Fields either
// line sends are known; 1.x's `filterTypes`, `version` and `rateLimit` and 2.x's `eventTypes`
// and `throttleRate` are both accepted. Unknown fields are tolerated, as Svix's server does.

const Metadata = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 }), { maxProperties: 50 });
const Uid = Type.String({ minLength: 1, maxLength: 256 });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 });
const Channels = Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_.:]+$' }), { maxItems: 10 });
const Rate = Nullable(Type.Integer({ minimum: 0, maximum: 65535 }));
const DateTime = Type.String({ format: 'date-time' });
const Options = { additionalProperties: true };

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250 })),
  iterator: Type.Optional(Type.String({ maxLength: 512 })),
  order: Type.Optional(Type.Union([Type.Literal('ascending'), Type.Literal('descending')])),
});
export type ListQuery = Static<typeof ListQuery>;

export const ApplicationIn = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    uid: Type.Optional(Nullable(Uid)),
    metadata: Type.Optional(Metadata),
    rateLimit: Type.Optional(Rate),
    throttleRate: Type.Optional(Rate),
  },
  Options,
);
export type ApplicationIn = Static<typeof ApplicationIn>;
export const ApplicationPatch = Type.Partial(ApplicationIn, Options);
export type ApplicationPatch = Static<typeof ApplicationPatch>;
export const CreateApplicationQuery = Type.Object({ get_if_exists: Type.Optional(Type.Boolean()) });

const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 65536 }),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  filterTypes: Type.Optional(Nullable(Names)),
  eventTypes: Type.Optional(Nullable(Names)),
  channels: Type.Optional(Nullable(Channels)),
  secret: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
  metadata: Type.Optional(Metadata),
  headers: Type.Optional(Nullable(Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 })))),
  rateLimit: Type.Optional(Rate),
  throttleRate: Type.Optional(Rate),
  version: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
};
export const EndpointIn = Type.Object(endpointFields, Options);
export type EndpointIn = Static<typeof EndpointIn>;
export const EndpointPatch = Type.Partial(Type.Object(endpointFields), Options);
export type EndpointPatch = Static<typeof EndpointPatch>;

export const EndpointHeadersIn = Type.Object({ headers: Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 })) }, Options);
export type EndpointHeadersIn = Static<typeof EndpointHeadersIn>;
export const EndpointHeadersPatchIn = Type.Object(
  {
    headers: Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 })),
    deleteHeaders: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
  },
  Options,
);
export type EndpointHeadersPatchIn = Static<typeof EndpointHeadersPatchIn>;

export const SecretRotateIn = Type.Object(
  {
    key: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
    gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 7 * 86_400 }))),
  },
  Options,
);
export type SecretRotateIn = Static<typeof SecretRotateIn>;

export const RecoverIn = Type.Object({ since: DateTime, until: Type.Optional(Nullable(DateTime)) }, Options);
export type RecoverIn = Static<typeof RecoverIn>;

const eventTypeFields = {
  description: Type.String({ maxLength: 4096 }),
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  schemas: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  featureFlag: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  featureFlags: Type.Optional(Nullable(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 10 }))),
  groupName: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
};
export const EventTypeName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9\\-_.]+$' });
export const EventTypeIn = Type.Object({ name: EventTypeName, ...eventTypeFields }, Options);
export type EventTypeIn = Static<typeof EventTypeIn>;
export const EventTypeUpdate = Type.Object(eventTypeFields, Options);
export type EventTypeUpdate = Static<typeof EventTypeUpdate>;
export const EventTypePatch = Type.Partial(Type.Object(eventTypeFields), Options);
export type EventTypePatch = Static<typeof EventTypePatch>;
export const EventTypeListQuery = Type.Intersect([
  ListQuery,
  Type.Object({ include_archived: Type.Optional(Type.Boolean()), with_content: Type.Optional(Type.Boolean()) }),
]);
export const EventTypeDeleteQuery = Type.Object({ expunge: Type.Optional(Type.Boolean()) });

export const MessageIn = Type.Object(
  {
    eventType: EventTypeName,
    payload: Type.Record(Type.String(), Type.Unknown()),
    eventId: Type.Optional(Nullable(Uid)),
    channels: Type.Optional(Nullable(Channels)),
    tags: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 5 }))),
    deliverAt: Type.Optional(Nullable(DateTime)),
    application: Type.Optional(Nullable(ApplicationIn)),
    payloadRetentionPeriod: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    payloadRetentionHours: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  Options,
);
export type MessageIn = Static<typeof MessageIn>;
export const ContentQuery = Type.Object({ with_content: Type.Optional(Type.Boolean()) });
export const MessageListQuery = Type.Intersect([
  ListQuery,
  Type.Object({
    channel: Type.Optional(Type.String({ maxLength: 128 })),
    tag: Type.Optional(Type.String({ maxLength: 128 })),
    before: Type.Optional(DateTime),
    after: Type.Optional(DateTime),
    with_content: Type.Optional(Type.Boolean()),
    event_types: Type.Optional(Type.String({ maxLength: 65536 })),
  }),
]);
export type MessageListQuery = Static<typeof MessageListQuery>;

export const AttemptListQuery = Type.Intersect([
  MessageListQuery,
  Type.Object({
    status: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
    endpoint_id: Type.Optional(Type.String({ maxLength: 256 })),
    expanded_statuses: Type.Optional(Type.Boolean()),
    with_msg: Type.Optional(Type.Boolean()),
    status_code_class: Type.Optional(Type.Integer()),
  }),
]);
export type AttemptListQuery = Static<typeof AttemptListQuery>;

export const AppParams = Type.Object({ app: Type.String({ minLength: 1, maxLength: 256 }) });
export const EndpointParams = Type.Object({ app: Type.String({ minLength: 1, maxLength: 256 }), endpoint: Type.String({ minLength: 1, maxLength: 256 }) });
export const MessageParams = Type.Object({ app: Type.String({ minLength: 1, maxLength: 256 }), msg: Type.String({ minLength: 1, maxLength: 256 }) });
export const AttemptParams = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 256 }),
  msg: Type.String({ minLength: 1, maxLength: 256 }),
  attempt: Type.String({ minLength: 1, maxLength: 256 }),
});
export const ResendParams = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 256 }),
  msg: Type.String({ minLength: 1, maxLength: 256 }),
  endpoint: Type.String({ minLength: 1, maxLength: 256 }),
});
export const EventTypeParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });
export const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 256 }) });
