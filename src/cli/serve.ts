import type { Logger } from 'pino';
import { loadConfig, type Config, type Role } from '../config/config.js';
import { createLogger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import { exitOnStartupFailure } from './startup-exit.js';
import type { StartupStage } from './startup-failure.js';

/** `hookpost serve` (and `api`, `worker`): runs until SIGTERM or SIGINT, then drains and exits. */
export async function serve(role?: Role): Promise<void> {
  let config: Config | null = null;
  let logger: Logger | null = null;
  let runtime: Runtime | null = null;
  let stage: StartupStage = 'prepare';
  // A stop asked for while starting: before delivery starts nothing is claimed, so the process
  // just exits; once it has begun claiming, the stop waits for the start to finish and then
  // drains like any other (the default action would kill it holding claimed deliveries).
  let claiming = false;
  let stopAsked: string | null = null;
  let stopWhenStarted: ((signal: string) => void) | null = null;
  const onSignal = (signal: string) => {
    if (stopWhenStarted) stopWhenStarted(signal);
    else if (claiming) stopAsked ??= signal;
    else process.exit(0);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    const loaded = loadConfig();
    config = role ? { ...loaded, role } : loaded;
    logger = createLogger(config.logLevel);
    // The delivery engine runs on its own thread, so the API and the dispatcher use both cores.
    runtime = await createRuntime(config, logger, { deliveryThread: { env: role ? { ...process.env, HOOKPOST_ROLE: role } : process.env } });
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
    stage = 'listen';
    const address = await runtime.app.listen({ host: config.host, port: config.port });
    stage = 'prepare';
    // Nothing is claimed before the process is fully up, so a start that fails claims nothing.
    claiming = true;
    await runtime.startDelivery();
    logger.info({ address, role: config.role, database: config.databaseUrl.split(':')[0] }, 'Hookpost is listening');
  } catch (error) {
    await runtime?.close().catch(() => undefined);
    exitOnStartupFailure(error, stage, config, logger);
  }
  const started = runtime!;
  const log = logger!;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining requests and deliveries in flight');
    try {
      await started.close();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  stopWhenStarted = (signal) => void stop(signal);
  if (stopAsked) stopWhenStarted(stopAsked);
}
