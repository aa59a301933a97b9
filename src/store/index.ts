import { StartupError } from '../core/errors.js';
import { withLookupCache } from './lookup-cache.js';
import { sharedByThreads } from './sqlite/write-gate.js';
import type { QueueOptions, Store } from './store.js';

export type { Store } from './store.js';
/** The transactional outbox's write through a caller's own pg client (PostgreSQL only). */
export { insertEventThrough, type OutboxClient } from './postgres/postgres-outbox.js';

/** How a store is opened beyond its URL. Settings a store does not use are ignored. */
export interface StoreOptions {
  /** PostgreSQL: the most connections this process opens. */
  poolSize?: number;
  /** Connection trouble no caller sees (an idle connection dropped, a listener reconnecting). */
  warn?: (message: string, error?: unknown) => void;
  /** How claims are shared between subscriptions. */
  queue?: QueueOptions;
  /** Whether the hot lookups are cached (lookup-cache.ts); true unless a caller makes none of them (the outcome thread). */
  lookupCache?: boolean;
}

/**
 * Opens the store named by a `sqlite:<path>` or `postgres://…` URL, with its hot lookups cached
 * (lookup-cache.ts). The only place that names a concrete store; each is imported only when named,
 * so a SQLite process never loads pg, nor a PostgreSQL one better-sqlite3.
 */
export async function createStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const cached = (store: Store) => (options.lookupCache === false ? store : withLookupCache(store));
  if (sqliteUrl(databaseUrl)) {
    const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
    return cached(await openSqliteStore(databaseUrl.slice('sqlite:'.length), options.queue));
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl) && URL.canParse(databaseUrl)) {
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return cached(await openPostgresStore(databaseUrl, options));
  }
  throw new StartupError(
    'database_url',
    `HOOKPOST_DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database, not "${redactPassword(databaseUrl)}".`,
  );
}

/** Whether the URL names a SQLite database (a file, or `:memory:`). */
function sqliteUrl(databaseUrl: string): boolean {
  return databaseUrl.startsWith('sqlite:') && databaseUrl.length > 'sqlite:'.length;
}

/** Whether the URL names a SQLite file, which this process's threads may each open (not `:memory:`, private to a connection). */
export function sqliteFile(databaseUrl: string): boolean {
  return sqliteUrl(databaseUrl) && sharedByThreads(databaseUrl.slice('sqlite:'.length));
}

/** The URL as an operator may see it in an error: any password replaced. */
export function redactPassword(databaseUrl: string): string {
  return databaseUrl.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
