import { Type, type TSchema } from '../../../vendor/typebox.js';
import { Nullable } from '../shared/nullable.js';

// The answers of Svix's API as the door presents them (see presenters.ts), in Svix's own names
// (`ApplicationOut`, `EndpointOut`, …), for the door's OpenAPI document.

const DateTime = Type.String({ format: 'date-time' });
const Metadata = Type.Record(Type.String(), Type.String());
const Names = Nullable(Type.Array(Type.String()));

export const ApplicationOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Type.String()),
  name: Type.String(),
  metadata: Metadata,
  rateLimit: Nullable(Type.Integer()),
  throttleRate: Nullable(Type.Integer()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** Both SDK lines' spelling: 1.x reads `filterTypes`, `version` and `rateLimit`, 2.x `eventTypes` and `throttleRate`. */
export const EndpointOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Type.String()),
  url: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  disabled: Type.Boolean(),
  filterTypes: Names,
  eventTypes: Names,
  channels: Names,
  rateLimit: Nullable(Type.Integer()),
  throttleRate: Nullable(Type.Integer()),
  metadata: Metadata,
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const EventTypeOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  archived: Type.Boolean(),
  deprecated: Type.Boolean(),
  schemas: Nullable(Type.Record(Type.String(), Type.Unknown())),
  featureFlags: Names,
  featureFlag: Nullable(Type.String()),
  groupName: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const MessageOut = Type.Object({
  id: Type.String(),
  eventId: Nullable(Type.String()),
  eventType: Type.String(),
  payload: Type.Unknown({ description: 'The message payload; `{}` when asked `with_content=false`.' }),
  channels: Names,
  tags: Names,
  timestamp: DateTime,
  deliverAt: Nullable(DateTime),
});

/** `status`: 0 success, 1 pending, 2 fail, 3 sending (Svix's MessageStatus). */
export const MessageAttemptOut = Type.Object({
  id: Type.String(),
  url: Type.String(),
  response: Type.String(),
  responseStatusCode: Type.Integer(),
  responseDurationMs: Type.Integer(),
  status: Type.Integer({ minimum: 0, maximum: 3 }),
  statusText: Type.String(),
  triggerType: Type.Integer(),
  msgId: Type.String(),
  endpointId: Type.String(),
  timestamp: DateTime,
  msg: Type.Optional(MessageOut),
});

export const RecoverOut = Type.Object({ id: Type.String(), status: Type.String(), task: Type.String(), updatedAt: DateTime });
export const EndpointSecretOut = Type.Object({ key: Type.String() });
export const EndpointHeadersOut = Type.Object({ headers: Type.Record(Type.String(), Type.String()), sensitive: Type.Array(Type.String()) });
export const EmptyResponse = Type.Object({});

/** Svix's list answer: `iterator` continues after this page, `prevIterator` goes back to the page before it. */
export function ListResponse<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), iterator: Nullable(Type.String()), prevIterator: Nullable(Type.String()), done: Type.Boolean() });
}

/** A background task with what it has done so far (`data`: the core task's counts, e.g. `requeued`). */
export const BackgroundTaskOut = Type.Object({ ...RecoverOut.properties, data: Type.Record(Type.String(), Type.Number()) });
