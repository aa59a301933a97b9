import { loadConfig, type Config } from '../config/config.js';
import { createStore } from '../store/index.js';
import { exitOnStartupFailure } from './startup-exit.js';

/** `hookpost migrate`: applies pending migrations to the configured database and exits. */
export async function migrate(): Promise<void> {
  let config: Config | null = null;
  try {
    config = loadConfig();
    const store = await createStore(config.databaseUrl);
    try {
      await store.migrate();
      process.stdout.write(`migrations applied to ${config.databaseUrl.split(':')[0]} database\n`);
    } finally {
      await store.close();
    }
  } catch (error) {
    exitOnStartupFailure(error, 'prepare', config, null);
  }
}
