import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export type { Store } from './store.js';

/** Opens the store named by a `sqlite:<path>` or `postgres://…` URL. The only place that names a concrete store. */
export async function createStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteStore(databaseUrl.slice('sqlite:'.length));
  throw new Error(`HOOKPOST_DATABASE_URL must start with sqlite: (got ${databaseUrl.split(':')[0]}:).`);
}
