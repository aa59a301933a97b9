import path from 'node:path';
import { DEFAULT_RETRY_POLICY, parseDuration, type RetryPolicy } from '../core/retry.js';

/** Which parts a process runs: the API, the dispatcher, or both. */
export type Role = 'all' | 'api' | 'worker';

/** Everything a Hookpost process is configured with, read once and frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  /** PostgreSQL: connections this process keeps at most (each process has its own pool). */
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly role: Role;
  /** From HOOKPOST_ADMIN_TOKEN; when absent, serve generates one in the data directory. */
  readonly adminToken: string | null;
  /** From HOOKPOST_SECRET_KEY (64 hex chars or base64 of 32 bytes); else generated in the data directory. */
  readonly secretKey: Buffer | null;
  readonly allowPrivateTargets: boolean;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly delivery: DeliveryConfig;
}

/** How the dispatcher claims, sends and retries. */
export interface DeliveryConfig {
  readonly retry: RetryPolicy;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly concurrency: number;
  readonly perEndpointConcurrency: number;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly maxResponseBytes: number;
  readonly storedResponseBytes: number;
}

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment (process.env unless given) into a frozen Config. */
export function loadConfig(env: Env = process.env): Config {
  const read = (name: string) => {
    const value = env[`HOOKPOST_${name}`];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`HOOKPOST_${name} must be an integer from ${min} to ${max}, not "${raw}".`);
    }
    return value;
  };
  const duration = (name: string, fallback: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    try {
      return parseDuration(raw);
    } catch {
      throw new ConfigError(`HOOKPOST_${name} must be a duration like 500ms, 5s or 2m, not "${raw}".`);
    }
  };

  const dataDir = path.resolve(read('DATA_DIR') ?? './data');
  const role = read('ROLE') ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`HOOKPOST_ROLE must be all, api or worker, not "${role}".`);
  }

  const config: Config = {
    host: read('HOST') ?? '127.0.0.1',
    port: integer('PORT', 8040, 0, 65535),
    databaseUrl: read('DATABASE_URL') ?? `sqlite:${path.join(dataDir, 'hookpost.db')}`,
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 1_000),
    dataDir,
    role,
    adminToken: read('ADMIN_TOKEN') ?? null,
    secretKey: parseSecretKey(read('SECRET_KEY')),
    allowPrivateTargets: parseFlag('ALLOW_PRIVATE_TARGETS', read('ALLOW_PRIVATE_TARGETS')),
    logLevel: read('LOG_LEVEL') ?? 'info',
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    delivery: {
      retry: parseRetryPolicy(read('RETRY_SCHEDULE'), read('RETRY_JITTER')),
      connectTimeoutMs: duration('CONNECT_TIMEOUT', 5_000),
      requestTimeoutMs: duration('REQUEST_TIMEOUT', 15_000),
      concurrency: integer('DELIVERY_CONCURRENCY', 256, 1, 10_000),
      perEndpointConcurrency: integer('ENDPOINT_CONCURRENCY', 32, 1, 1_000),
      batchSize: integer('CLAIM_BATCH_SIZE', 256, 1, 10_000),
      leaseMs: duration('LEASE', 60_000),
      pollIntervalMs: duration('POLL_INTERVAL', 1_000),
      maxResponseBytes: 64 * 1024,
      storedResponseBytes: 4 * 1024,
    },
  };
  return deepFreeze(config);
}

function parseFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`HOOKPOST_${name} must be 1 or 0, not "${raw}".`);
}

/** Parses a secret key given as 64 hex characters or base64 of 32 bytes. */
export function parseSecretKey(raw: string | undefined): Buffer | null {
  if (raw === undefined) return null;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('HOOKPOST_SECRET_KEY must be 32 bytes: 64 hex characters or base64.');
  return key;
}

function parseRetryPolicy(schedule: string | undefined, jitter: string | undefined): RetryPolicy {
  let delaysMs = DEFAULT_RETRY_POLICY.delaysMs;
  if (schedule !== undefined) {
    try {
      delaysMs = schedule.split(',').map(parseDuration);
    } catch {
      throw new ConfigError(`HOOKPOST_RETRY_SCHEDULE must be comma-separated durations like 0,5s,5m,30m, not "${schedule}".`);
    }
    if (delaysMs.length === 0 || delaysMs.length > 50) throw new ConfigError('HOOKPOST_RETRY_SCHEDULE lists 1 to 50 delays.');
  }
  const jitterValue = jitter === undefined ? DEFAULT_RETRY_POLICY.jitter : Number(jitter);
  if (!(jitterValue >= 0 && jitterValue < 1)) throw new ConfigError('HOOKPOST_RETRY_JITTER must be a fraction from 0 to below 1.');
  return { delaysMs, jitter: jitterValue };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
