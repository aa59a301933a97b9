import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

// The settings a server process reads most often; docs/configuration.md lists every one.
const SERVER_ENVIRONMENT: [string, string][] = [
  ['HOOKPOST_PORT', 'HTTP port (8040)'],
  ['HOOKPOST_HOST', 'bind address (127.0.0.1)'],
  ['HOOKPOST_DATABASE_URL', 'sqlite:<path> or postgres://… (sqlite:./data/hookpost.db)'],
  ['HOOKPOST_DATA_DIR', 'where the generated admin token and secret key are kept (./data)'],
  ['HOOKPOST_ADMIN_TOKEN', 'the admin bearer token (generated on first start)'],
  ['HOOKPOST_SECRET_KEY', 'the key sealing secrets at rest (generated on first start)'],
  ['HOOKPOST_ROLE', 'all, api or worker (all)'],
  ['HOOKPOST_PLATFORMS', 'platform doors to serve, or none (all)'],
  ['HOOKPOST_ALLOW_PRIVATE_TARGETS', '1 lets subscriptions target private and loopback addresses'],
  ['HOOKPOST_LOG_LEVEL', 'trace … fatal (info); logs are JSON unless stdout is a terminal'],
  ['OTEL_*', 'not read yet; see docs/operations.md'],
];

const SERVER_COMMANDS = new Set(['serve', 'api', 'worker', 'migrate', 'migrate-store', 'rotate-secret-key']);

/** Adds the settings a server command reads to its --help, pointing to the full list. */
export function addServerEnvironmentHelp(program: Command): void {
  const text =
    `\nEnvironment (every setting: docs/configuration.md):\n` +
    SERVER_ENVIRONMENT.map(([name, meaning]) => `  ${name.padEnd(31)} ${meaning}`).join('\n') +
    '\n';
  for (const command of program.commands) if (SERVER_COMMANDS.has(command.name())) command.addHelpText('after', text);
}

/** This package's version, from the package.json above the running file (src/ or dist/src/). */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hookpost' && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
