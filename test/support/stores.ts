import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, inject } from 'vitest';
import { createTestDatabase } from './test-databases.js';

/** A store the integration suite runs against, and how to get a fresh, empty database on it. */
export interface TestStore {
  name: 'sqlite' | 'postgres';
  /** A database URL no other test uses. */
  freshDatabaseUrl(): Promise<string>;
}

const sqlite: TestStore = {
  name: 'sqlite',
  async freshDatabaseUrl() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpost-test-'));
    return `sqlite:${path.join(dir, 'hookpost.db')}`;
  },
};

/** The PostgreSQL server the tests may create databases on, or undefined (global-setup.ts decides whether that is allowed). */
export function postgresServerUrl(): string | undefined {
  return process.env.HOOKPOST_TEST_DATABASE_URL || undefined;
}

function postgres(serverUrl: string): TestStore {
  return { name: 'postgres', freshDatabaseUrl: () => createTestDatabase(serverUrl, inject('postgresRunId')) };
}

/** The stores to run against: SQLite always; PostgreSQL when HOOKPOST_TEST_DATABASE_URL is set. */
export function testStores(): TestStore[] {
  const serverUrl = postgresServerUrl();
  return serverUrl ? [sqlite, postgres(serverUrl)] : [sqlite];
}

/** Runs the same specification once per store. */
export function describeEachStore(title: string, specify: (store: TestStore) => void): void {
  for (const store of testStores()) describe(`${title} [${store.name}]`, () => specify(store));
}
