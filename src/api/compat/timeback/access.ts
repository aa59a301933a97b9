import type { Scope } from '../../../core/model.js';
import { platformAccess } from '../shared/platform-access.js';

/** Where Timeback's scopes live: a token request names them by these URIs. */
export const TIMEBACK_SCOPE_PREFIX = 'https://purl.imsglobal.org/spec/caliper/v1p1/scope/';

/** Timeback's own scopes, which tenant keys (and access tokens) may hold. */
export const TIMEBACK_KEY_SCOPES = ['webhook.create', 'webhook.readonly', 'event.create'] as const;

/** What a route needs: reading webhooks, changing them, or sending events. */
export type TimebackAccess = 'read' | 'write' | 'events';

/**
 * Timeback's `admin` scope ("can call all endpoints") is the native `admin` scope. Undocumented
 * beyond the scope names, and chosen: webhook.create also reads, deletes and manages filters.
 */
export const timebackAccess = platformAccess<TimebackAccess>({
  platformScopes: TIMEBACK_KEY_SCOPES,
  granting: {
    read: ['webhook.readonly', 'webhook.create', 'admin'],
    write: ['webhook.create', 'admin'],
    events: ['event.create', 'admin'],
  },
  native: { read: 'subscriptions:read', write: 'subscriptions:write', events: 'events:write' },
});

/** The key scope a token request's scope names: a Timeback scope URI or its short name; undefined if unknown. */
export function keyScopeOf(requested: string): Scope | undefined {
  const short = requested.startsWith(TIMEBACK_SCOPE_PREFIX) ? requested.slice(TIMEBACK_SCOPE_PREFIX.length) : requested;
  return short === 'admin' || (TIMEBACK_KEY_SCOPES as readonly string[]).includes(short) ? short : undefined;
}
