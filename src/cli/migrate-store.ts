import { createStore, type Store } from '../store/index.js';
import { TABLES, type TableName } from '../store/tables.js';

/** What `hookpost migrate-store` copies, and how. */
export interface MigrateStoreOptions {
  from: string;
  to: string;
  batchSize: number;
  /** Told each table's count as it finishes. */
  progress?: (table: TableName, rows: number) => void;
}

/**
 * Copies every table of one store into another (normally an embedded SQLite file into
 * PostgreSQL), table by table in dependency order and in batches, so that memory stays flat
 * whatever the size. Both databases are migrated first, so the rows have the same shape on both
 * sides. Rows whose key exists already are skipped, so a copy that was interrupted can simply be
 * run again. Hookpost must not be running on the source meanwhile: rows written during the copy
 * may be missed.
 */
export async function migrateStore(options: MigrateStoreOptions): Promise<Record<TableName, number>> {
  const opened: Store[] = [];
  try {
    const source = await createStore(options.from);
    opened.push(source);
    const target = await createStore(options.to);
    opened.push(target);
    await source.migrate();
    await target.migrate();
    const counts = {} as Record<TableName, number>;
    for (const { name } of TABLES) {
      counts[name] = 0;
      let after: string | null = null;
      do {
        const batch = await source.exportRows(name, after, options.batchSize);
        await target.importRows(name, batch.rows);
        counts[name] += batch.rows.length;
        after = batch.next;
      } while (after !== null);
      options.progress?.(name, counts[name]);
    }
    return counts;
  } finally {
    await Promise.all(opened.map((store) => store.close()));
  }
}
