import type { Static } from '../vendor/typebox.js';
import type * as S from '../api/schemas.js';
import type * as E from '../api/v1/engine-schemas.js';

// The client's shapes are derived from the very TypeBox schemas the server validates and
// serialises with (type-only imports: nothing of the server is loaded at run time), so a change
// to the API changes these types and fails the client's type check where they no longer fit.

export type Tenant = Static<typeof S.Tenant>;
export type CreateTenant = Static<typeof S.CreateTenantBody>;
export type ApiKey = Static<typeof S.ApiKey>;
export type ApiKeyInfo = Static<typeof S.ApiKeyInfo>;
export type CreateApiKey = Static<typeof S.CreateApiKeyBody>;
export type AuditEntry = Static<typeof S.AuditEntry>;
export type AuditQuery = Omit<Static<typeof S.AuditQuery>, 'cursor' | 'limit'>;
export type EventType = Static<typeof S.EventType>;
export type CreateEventType = Static<typeof S.CreateEventTypeBody>;
export type UpdateEventType = Static<typeof S.UpdateEventTypeBody>;
export type Subscription = Static<typeof S.Subscription>;
export type CreateSubscription = Static<typeof S.CreateSubscriptionBody>;
export type UpdateSubscription = Static<typeof S.UpdateSubscriptionBody>;
export type RotateSecret = Static<typeof S.RotateSecretBody>;
export type Secret = Static<typeof S.Secret>;
export type PublishEvent = Static<typeof S.PublishEventBody>;
export type PublishedEvent = Static<typeof S.PublishedEvent>;
export type Event = Static<typeof S.Event>;
export type Delivery = Static<typeof S.Delivery>;
export type Attempt = Static<typeof S.Attempt>;
export type DeliveryQuery = Omit<Static<typeof S.DeliveryListQuery>, 'cursor' | 'limit'>;
export type PageQuery = Static<typeof S.PageQuery>;
export type Recover = Static<typeof E.RecoverBody>;
export type StartedTask = Static<typeof E.StartedTask>;
export type Task = Static<typeof E.TaskResource>;

/** One page of a list, and the cursor of the next one (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
