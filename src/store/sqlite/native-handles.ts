import Database from 'better-sqlite3';
import { writeGate, type Gated } from './write-gate.js';

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

/**
 * Opens a SQLite database whose database and statement objects are never garbage-collected, and
 * whose writes (transactions, and statements that change something) take turns with this
 * process's other threads through the file's write gate (see write-gate.ts).
 */
export function openDatabase(file: string, options?: Database.Options): Database.Database {
  const db = new Database(file, options);
  keptForever.push(db);
  const gated = writeGate(file);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    keptForever.push(statement);
    if (gated && !statement.readonly) gateStatement(statement, gated);
    return statement;
  }) as Database.Database['prepare'];
  if (gated) gateTransactions(db, gated);
  return db;
}

function gateStatement(statement: Database.Statement, gated: Gated): void {
  for (const method of ['run', 'get', 'all'] as const) {
    const call = statement[method].bind(statement) as (...args: unknown[]) => unknown;
    (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => gated(() => call(...args));
  }
}

function gateTransactions(db: Database.Database, gated: Gated): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const inner = transaction(fn);
    const wrap = (run: (...args: unknown[]) => unknown) => (...args: unknown[]) => gated(() => run(...args));
    return Object.assign(wrap(inner), {
      default: wrap(inner.default),
      deferred: wrap(inner.deferred),
      immediate: wrap(inner.immediate),
      exclusive: wrap(inner.exclusive),
      database: db,
    });
  }) as Database.Database['transaction'];
}
