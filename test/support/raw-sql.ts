import pg from 'pg';
import { openDatabase } from '../../src/store/sqlite/native-handles.js';

/** Runs one statement straight on a test database (sqlite: or postgres:// URL), behind Hookpost's back. */
export async function rawSql(databaseUrl: string, sql: string): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = openDatabase(databaseUrl.slice('sqlite:'.length));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
