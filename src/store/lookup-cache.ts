import type { ApiKey } from '../core/model.js';
import type { Store } from './store.js';

// Past this many entries a cache starts over: a tenant count or a flood of unknown names can
// grow it no further (a lookup that misses costs one query, as without the cache).
const MAX_ENTRIES = 50_000;

// Writes through this store that change what the cache holds. The store's configVersion()
// already moves on every such commit, from any process (migration 0012); dropping the cache
// here as well makes this process's own change count at once on PostgreSQL, where the notice
// of it arrives a moment after the commit.
const CONFIG_WRITES = new Set<string>([
  'insertTenant',
  'deleteTenant',
  'insertApiKey',
  'revokeApiKey',
  'upsertEventType',
  'upsertTenantEventType',
  'deleteTenantEventType',
  'insertSubscription',
  'insertSubscriptionSharingSecret',
  'updateSubscription',
  'deleteSubscription',
  'deleteApplication',
  'importRows',
  'migrate',
]);

type Lookups = Pick<Store, 'getTenant' | 'findApiKeyByHash' | 'touchApiKey' | 'getEventType' | 'getTenantEventType' | 'findSubscriptionsForEvent'>;

/**
 * The store, with the lookups that every publish and every authenticated request makes (the
 * tenant, the API key of a token, the event type, the subscriptions matching a type) answered
 * from memory. Before any answer is trusted, the store's configVersion() is read: when it has
 * moved (a tenant, key, event type or subscription changed anywhere) the whole cache is
 * dropped, and while the store cannot tell, nothing is cached at all. So a revoked key fails on
 * the next request (SQLite: exactly; PostgreSQL: once the change's notice arrives, milliseconds).
 *
 * A Proxy so that the other ~80 methods pass through untouched; they run on the store itself.
 * Cached values are shared between callers: the ones that callers only read are frozen.
 */
export function withLookupCache(store: Store): Store {
  const cache = new LookupCache(store);
  const lookups: Lookups = {
    getTenant: (id) => cache.get('tenant', id, () => store.getTenant(id), true),
    // Only a found key is kept: a flood of forged tokens must not evict the real ones. Not
    // frozen: the key's last use is written back onto it (see findKeyForToken).
    findApiKeyByHash: (hash) => cache.get('key', hash, () => store.findApiKeyByHash(hash), false, (key) => key !== undefined),
    // A key's last use is no configuration (it moves no version): the cached key takes it over.
    touchApiKey: async (id, at) => {
      await store.touchApiKey(id, at);
      cache.update<ApiKey>('key', (key) => key.id === id, (key) => (key.lastUsedAt = at));
    },
    getEventType: (name) => cache.get('type', name, () => store.getEventType(name), true),
    getTenantEventType: (tenantId, name) => cache.get('tenantType', `${tenantId}\u0000${name}`, () => store.getTenantEventType(tenantId, name), true),
    findSubscriptionsForEvent: (tenantId, type) =>
      cache.get('matching', `${tenantId}\u0000${type}`, async () => (await store.findSubscriptionsForEvent(tenantId, type)).map((s) => Object.freeze(s)), true),
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(lookups, property)) return lookups[property as keyof Lookups];
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && CONFIG_WRITES.has(property)) {
        return async (...args: unknown[]) => {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            cache.clear();
          }
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

class LookupCache {
  readonly #store: Store;
  readonly #entries = new Map<string, Map<string, unknown>>();
  #version: number | undefined;
  // The version read in this turn of the event loop: a request's lookups run in one turn once
  // they hit the cache, and one read serves them all. Anything committed before the request
  // arrived is seen, since the read happens after it. (A read costs about as much as a lookup.)
  #versionThisTurn: number | undefined;
  #readThisTurn = false;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * The cached answer of `kind` for `key`, else `load()`'s, kept when `keep` allows. The version
   * is read before loading: a change that commits while the query runs moves it, and the next
   * call drops what this one stored.
   */
  async get<T>(kind: string, key: string, load: () => Promise<T>, freeze: boolean, keep: (value: T) => boolean = () => true): Promise<T> {
    const version = this.#currentVersion();
    if (version === undefined) return load();
    if (version !== this.#version) {
      this.clear();
      this.#version = version;
    }
    let entries = this.#entries.get(kind);
    if (entries?.has(key)) return entries.get(key) as T;
    const value = await load();
    if (!keep(value) || this.#version !== version) return value;
    if (!entries) this.#entries.set(kind, (entries = new Map()));
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(key, freeze && value !== null && typeof value === 'object' ? Object.freeze(value) : value);
    return value;
  }

  /** Applies `change` to every cached value of `kind` that `matches`. */
  update<T>(kind: string, matches: (value: T) => boolean, change: (value: T) => void): void {
    for (const value of this.#entries.get(kind)?.values() ?? []) if (matches(value as T)) change(value as T);
  }

  clear(): void {
    this.#entries.clear();
    this.#version = undefined;
    this.#readThisTurn = false;
  }

  #currentVersion(): number | undefined {
    if (!this.#readThisTurn) {
      this.#versionThisTurn = this.#store.configVersion();
      this.#readThisTurn = true;
      setImmediate(() => (this.#readThisTurn = false));
    }
    return this.#versionThisTurn;
  }
}
