import { ConfigError, loadConfig, type Config, type Role } from '../config/config.js';
import { createLogger } from './logger.js';
import { createRuntime } from './runtime.js';

/** `hookpost serve` (and `api`, `worker`): runs until SIGTERM or SIGINT, then drains and exits. */
export async function serve(role?: Role): Promise<void> {
  let config: Config;
  try {
    const loaded = loadConfig();
    config = role ? { ...loaded, role } : loaded;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookpost: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // The delivery engine runs on its own thread, so the API and the dispatcher use both cores.
  const runtime = await createRuntime(config, logger, { deliveryThread: { env: role ? { ...process.env, HOOKPOST_ROLE: role } : process.env } });
  if (runtime.adminTokenGenerated) {
    // Printed once, on the first start; it stays in the data directory for later starts.
    process.stdout.write(
      `\nHookpost admin token (shown once; also kept in ${config.dataDir}/admin-token):\n\n  ${runtime.adminToken}\n\n`,
    );
  }
  if (config.role !== 'all' && config.secretKey === null) {
    // Split roles mean several processes; each would otherwise seal and open secrets with its own generated key.
    logger.warn('HOOKPOST_SECRET_KEY is not set: this process uses the key in its data directory. Every process of one installation must share one key.');
  }
  const address = await runtime.app.listen({ host: config.host, port: config.port });
  logger.info({ address, role: config.role, database: config.databaseUrl.split(':')[0] }, 'Hookpost is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: draining requests and deliveries in flight');
    try {
      await runtime.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
