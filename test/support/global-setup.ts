import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { checkServer, dropTestDatabases, newRunId } from './test-databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Names this run's PostgreSQL test databases (see test-databases.ts). */
    postgresRunId: string;
  }
}

/**
 * Builds dist/ once, for the tests that run Hookpost as a separate process (as `npm start` does),
 * and checks the PostgreSQL test server: in CI a missing or unreachable server fails the run;
 * locally, without HOOKPOST_TEST_DATABASE_URL, the PostgreSQL half is skipped with a notice.
 */
export default async function setup(project: TestProject) {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const runId = newRunId();
  project.provide('postgresRunId', runId);

  const serverUrl = process.env.HOOKPOST_TEST_DATABASE_URL;
  if (!serverUrl) {
    if (process.env.CI === 'true') {
      throw new Error('CI must test the PostgreSQL store: set HOOKPOST_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).');
    }
    process.stderr.write(
      '\n*** NOTICE: HOOKPOST_TEST_DATABASE_URL is not set: the PostgreSQL half of the suite is SKIPPED. ***\n' +
        '*** Run e.g. HOOKPOST_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test ***\n\n',
    );
    return;
  }
  try {
    const version = await checkServer(serverUrl);
    process.stderr.write(`PostgreSQL ${version} at ${new URL(serverUrl).host}: each suite gets its own database (run ${runId}).\n`);
  } catch (error) {
    throw new Error(`HOOKPOST_TEST_DATABASE_URL is set but the server does not answer: ${(error as Error).message}`);
  }
  return async () => {
    await dropTestDatabases(serverUrl, runId);
  };
}
