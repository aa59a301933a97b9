import type { Logger } from 'pino';
import { servedPlatforms, type CompatPlatform } from '../api/compat/index.js';
import type { Config } from '../config/config.js';
import { loadInstanceSecrets } from '../config/instance-secrets.js';
import { createSecretBox } from '../core/secret-box.js';
import type { ServiceDeps } from '../service/deps.js';
import { buildPlatformCatalogs } from '../service/event-catalog.js';
import { PayloadSchemas } from '../service/payload-schemas.js';
import { createStore } from '../store/index.js';
import { queueOptions } from './sending.js';
import { openTracing } from './tracing.js';

/** The parts every way of running Hookpost shares: the migrated store and the service deps over it. */
export interface OpenService {
  service: ServiceDeps;
  schemas: PayloadSchemas;
  /** The platform doors HOOKPOST_PLATFORMS serves. */
  doors: CompatPlatform[];
  adminToken: string;
  adminTokenGenerated: boolean;
}

/**
 * Opens the configured store (migrating it) and builds the service deps over it: the instance
 * secrets, the target policy and the served doors' catalogs. The server and the embedded library
 * both start here, so a setting means the same thing in either.
 */
export async function openService(config: Config, logger: Logger): Promise<OpenService> {
  const secrets = loadInstanceSecrets(config);
  const storeLogger = logger.child({ part: 'store' });
  const store = await createStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    warn: (message, error) => storeLogger.warn({ err: error }, message),
    queue: queueOptions(config),
  });
  await store.migrate();
  const doors = servedPlatforms(config.platforms);
  const schemas = new PayloadSchemas();
  const serviceLogger = logger.child({ part: 'service' });
  const service: ServiceDeps = {
    warn: (message, error) => serviceLogger.warn({ err: error }, message),
    tracing: await openTracing(config.tracing),
    store,
    secrets: createSecretBox(secrets.secretKey, secrets.previousKeys),
    now: Date.now,
    targetPolicy: config.targetPolicy,
    accessTokenTtlMs: config.accessTokenTtlMs,
    platformScopes: doors.flatMap((door) => door.scopes ?? []),
    // The served doors' event types, each in its platform's namespace; never written to the store.
    platformCatalogs: buildPlatformCatalogs(doors, Date.now()),
  };
  return { service, schemas, doors, adminToken: secrets.adminToken, adminTokenGenerated: secrets.adminTokenGenerated };
}
