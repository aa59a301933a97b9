import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Test databases on the PostgreSQL server at HOOKPOST_TEST_DATABASE_URL. Every run names its
// databases hookpost_test_<run>_<n>, so that runs (and engineers sharing the server) never see
// each other's rows, and a run drops only its own (plus any left by a run killed a day ago).

const PREFIX = 'hookpost_test_';
const STALE_AFTER_SECONDS = 24 * 3600;

/** A run id: the start time in seconds (for cleaning up after killed runs) and a random part. */
export function newRunId(): string {
  return `${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
}

/** The server's URL with another database name. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Fails (with the server's own words) unless the server answers. */
export async function checkServer(serverUrl: string): Promise<string> {
  return withServer(serverUrl, async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
}

/** Creates an empty database for this run and returns its URL. */
export async function createTestDatabase(serverUrl: string, runId: string): Promise<string> {
  const name = `${PREFIX}${runId}_${randomBytes(4).toString('hex')}`;
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  return databaseUrl(serverUrl, name);
}

/** Drops this run's databases, and those of runs that started more than a day ago (killed before they cleaned up). */
export async function dropTestDatabases(serverUrl: string, runId: string): Promise<number> {
  return withServer(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX}%`]);
    const oldest = Math.floor(Date.now() / 1000) - STALE_AFTER_SECONDS;
    const doomed = rows
      .map((row) => row.datname)
      .filter((name) => name.startsWith(`${PREFIX}${runId}_`) || Number(name.slice(PREFIX.length).split('_')[0]) < oldest);
    for (const name of doomed) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return doomed.length;
  });
}
