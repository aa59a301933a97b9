import type { Store } from './store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export type { Store } from './store.js';
/** The transactional outbox's write through a caller's own pg client (PostgreSQL only). */
export { insertEventThrough, type OutboxClient } from './postgres/postgres-outbox.js';

/** How a store is opened beyond its URL. Settings a store does not use are ignored. */
export interface StoreOptions {
  /** PostgreSQL: the most connections this process opens. */
  poolSize?: number;
  /** Connection trouble no caller sees (an idle connection dropped, a listener reconnecting). */
  warn?: (message: string, error?: unknown) => void;
}

/** Opens the store named by a `sqlite:<path>` or `postgres://…` URL. The only place that names a concrete store. */
export async function createStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgresStore(databaseUrl, options);
  throw new Error(`HOOKPOST_DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got ${databaseUrl.split(':')[0]}:).`);
}
