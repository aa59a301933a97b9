import { defineConfig } from 'vitest/config';

// Tests that run Hookpost as separate processes (crash recovery, the CLI, scale-out on
// PostgreSQL) are CPU-bound and timing-sensitive, so they run after everything else, one file
// at a time, rather than competing for the two cores with the rest of the suite.
const PROCESS_TESTS = [
  'test/crash-recovery.test.ts',
  'test/cli.test.ts',
  'test/scale-out.test.ts',
  'test/migrate-store.test.ts',
  'test/listen.test.ts',
  'test/readme.test.ts',
  'test/cli-remote.test.ts',
  'test/startup-errors.test.ts',
  'test/docs-examples.test.ts',
];

const CHAOS_TESTS = 'test/chaos/**/*.test.ts';

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start servers and child processes; two workers suit a 2-core machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'in-process', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...PROCESS_TESTS, CHAOS_TESTS], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'processes', include: PROCESS_TESTS, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        // Fault injection (issue 10): kills, full disks, database restarts, hostile receivers.
        // Last and alone, since each scenario measures latency or waits out faults.
        extends: true,
        test: { name: 'chaos', include: [CHAOS_TESTS], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
