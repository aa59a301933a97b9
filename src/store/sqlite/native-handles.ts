import Database from 'better-sqlite3';

// Why this file exists: Node 24's node_object_wrap.h, compiled into better-sqlite3, removes an
// environment cleanup hook in every wrapped object's destructor. When the garbage collector runs
// that destructor there is no current context, and Node aborts the process
// ("RemoveEnvironmentCleanupHook … Assertion failed: (env) != nullptr"). So no better-sqlite3
// Database or Statement may ever be collected: everything we create stays reachable for the life
// of the process. Stores prepare each statement once, so this keeps a bounded set of objects.
// Measured on Node 24.21: 12 of 12 server start/stop cycles aborted before this, none after;
// test/cli.test.ts and test/crash-recovery.test.ts (a clean exit after SIGTERM) guard it on CI.
// For the same reason nothing here uses db.pragma() (it prepares a throwaway statement natively)
// or Statement#iterate() (a wrapped iterator).
const keptForever: object[] = [];

/** Opens a SQLite database whose database and statement objects are never garbage-collected. */
export function openDatabase(file: string, options?: Database.Options): Database.Database {
  const db = new Database(file, options);
  keptForever.push(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    keptForever.push(statement);
    return statement;
  }) as Database.Database['prepare'];
  return db;
}
