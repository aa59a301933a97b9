import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, PostgresDb } from '../src/store/postgres/postgres-db.js';
import { eventually } from './support/server.js';
import { postgresServerUrl, testStores } from './support/stores.js';

// A PostgreSQL restart ends every connection, including one a process holds between two statements
// of a transaction. pg reports that as an 'error' event on the connection, and the pool listens only
// while a connection is idle: with nobody listening, the event ended the worker process (seen in
// scale-out.test.ts's restart test). Checked here on the real server with pg_terminate_backend.

const postgres = testStores().find((store) => store.name === 'postgres');

describe.skipIf(!postgresServerUrl())('PostgreSQL: a connection ended while it is held', () => {
  let databaseUrl: string;
  let admin: pg.Client;

  beforeAll(async () => {
    databaseUrl = await postgres!.freshDatabaseUrl();
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(() => admin.end());

  for (const kind of ['transaction', 'session'] as const) {
    it(`reports it, retries the ${kind} on a fresh connection, and raises nothing uncaught`, async () => {
      const warnings: string[] = [];
      const db = new PostgresDb({ connectionString: databaseUrl, poolSize: 2, retry: DEFAULT_RETRY, warn: (message) => warnings.push(message) });
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on('uncaughtException', onUncaught);
      const backends: number[] = [];
      try {
        const result = await db[kind](async (client) => {
          const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          backends.push(pid);
          if (backends.length === 1) {
            // The server ends this connection while the work holds it, between two statements.
            await admin.query('SELECT pg_terminate_backend($1)', [pid]);
            await eventually(() => (warnings.length > 0 || uncaught.length > 0 ? true : undefined), 10_000, 'the lost connection reported');
          }
          return (await client.query<{ answer: number }>('SELECT 42 AS answer')).rows[0]!.answer;
        });
        expect(result).toBe(42);
      } finally {
        process.off('uncaughtException', onUncaught);
        await db.close();
      }
      expect(uncaught).toEqual([]);
      // pg may report the end twice (the server's message, then the closed socket): each is told.
      expect(warnings.length).toBeGreaterThan(0);
      expect(new Set(warnings)).toEqual(new Set(['a database connection in use was lost']));
      // Tried twice, the second time on another connection.
      expect(backends).toHaveLength(2);
      expect(backends[1]).not.toBe(backends[0]);
    });
  }
});
