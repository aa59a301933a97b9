import { Command, InvalidArgumentError } from 'commander';
import { addServerEnvironmentHelp, packageVersion } from './help.js';
import { listenCommand } from './listen.js';
import { migrate } from './migrate.js';
import { migrateStore } from './migrate-store.js';
import { rotateSecretKeyCommand } from './rotate-secret-key.js';
import { registerRemoteCommands } from './remote/index.js';
import { serve } from './serve.js';

const program = new Command('hookpost')
  .description('Self-hosted webhooks: durable events, signed deliveries, retries and logs.')
  .version(packageVersion(), '-V, --version', 'print the package version');

const integer = (min: number, max: number) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
  return number;
};

program.command('serve').description('run the API and the dispatcher (HOOKPOST_ROLE decides which)').action(() => serve());
program.command('api').description('run the API only (no deliveries are sent by this process)').action(() => serve('api'));
program.command('worker').description('run the dispatcher only (serves /healthz and /metrics)').action(() => serve('worker'));
program.command('migrate').description('apply pending database migrations and exit').action(() => migrate());
program
  .command('migrate-store')
  .description('copy every table of one database into another, e.g. an embedded SQLite file into PostgreSQL (stop Hookpost first)')
  .requiredOption('--from <url>', 'the database to copy, e.g. sqlite:./data/hookpost.db')
  .requiredOption('--to <url>', 'the database to copy into, e.g. postgres://hookpost@db/hookpost')
  .option('--batch-size <rows>', 'rows per batch', integer(1, 10_000), 1000)
  .action(async (options: { from: string; to: string; batchSize: number }) => {
    await migrateStore({
      ...options,
      progress: (table, rows) => process.stdout.write(`${table}: ${rows} rows\n`),
    });
    process.stdout.write('done. Start Hookpost with HOOKPOST_DATABASE_URL set to the new database and the same HOOKPOST_SECRET_KEY.\n');
  });
program
  .command('rotate-secret-key')
  .description('re-seal every stored secret under a new key (safe while running: see SECURITY.md)')
  .option('--new-key <key>', 'the new key: 64 hex characters or base64 of 32 bytes (default: HOOKPOST_NEW_SECRET_KEY, else HOOKPOST_SECRET_KEY)')
  .action((options: { newKey?: string }) => rotateSecretKeyCommand(options));
program
  .command('listen')
  .description('a local receiver that prints each webhook and whether its signature verifies')
  .option('--port <port>', 'port to listen on', integer(0, 65535), 9000)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--secret <secret>', 'the subscription secret (whsec_…) to verify signatures with')
  .option('--status <code>', 'HTTP status to answer with', integer(100, 599), 200)
  .action(async (options: { port: number; host: string; secret?: string; status: number }) => {
    await listenCommand(options);
  });

registerRemoteCommands(program);
addServerEnvironmentHelp(program);

await program.parseAsync(process.argv);
