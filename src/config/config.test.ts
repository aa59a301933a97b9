import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to 127.0.0.1:8040, SQLite under ./data and the Svix retry schedule', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8040);
    expect(config.databaseUrl).toMatch(/^sqlite:.*data\/hookpost\.db$/);
    expect(config.role).toBe('all');
    expect(config.allowPrivateTargets).toBe(false);
    expect(config.delivery.retry.delaysMs).toHaveLength(8);
    expect(config.delivery.connectTimeoutMs).toBe(5_000);
    expect(config.delivery.requestTimeoutMs).toBe(15_000);
    expect(config.delivery.batchSize).toBe(128);
    expect(config.bodyLimitBytes).toBe(256 * 1024);
    expect(config.databasePoolSize).toBe(10);
    expect(Object.isFrozen(config.delivery)).toBe(true);
  });

  it('reads HOOKPOST_ variables', () => {
    const config = loadConfig({
      HOOKPOST_PORT: '9001',
      HOOKPOST_ROLE: 'worker',
      HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
      HOOKPOST_RETRY_SCHEDULE: '0,1s,1m',
      HOOKPOST_SECRET_KEY: 'ab'.repeat(32),
      HOOKPOST_DATABASE_URL: 'postgres://hookpost@db:5432/hookpost',
      HOOKPOST_DATABASE_POOL_SIZE: '4',
    });
    expect(config.port).toBe(9001);
    expect(config.databaseUrl).toBe('postgres://hookpost@db:5432/hookpost');
    expect(config.databasePoolSize).toBe(4);
    expect(config.role).toBe('worker');
    expect(config.allowPrivateTargets).toBe(true);
    expect(config.delivery.retry.delaysMs).toEqual([0, 1_000, 60_000]);
    expect(config.secretKey).toHaveLength(32);
  });

  it.each([
    ['HOOKPOST_PORT', '80000'],
    ['HOOKPOST_ROLE', 'boss'],
    ['HOOKPOST_DATABASE_POOL_SIZE', '0'],
    ['HOOKPOST_ALLOW_PRIVATE_TARGETS', 'maybe'],
    ['HOOKPOST_RETRY_SCHEDULE', '0,soon'],
    ['HOOKPOST_SECRET_KEY', 'short'],
    ['HOOKPOST_REQUEST_TIMEOUT', 'forever'],
    ['HOOKPOST_PREVIOUS_SECRET_KEYS', `${'ab'.repeat(32)},short`],
    ['HOOKPOST_NEW_SECRET_KEY', 'not base64 at all!'],
    ['HOOKPOST_ALLOWED_PORTS', '443,http'],
    ['HOOKPOST_RATE_LIMIT_PER_CREDENTIAL', '-1'],
    ['HOOKPOST_MAX_JSON_DEPTH', '1'],
    ['HOOKPOST_ACCESS_TOKEN_TTL', 'a while'],
  ])('names the variable when %s=%s is unusable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('reads the security settings', () => {
    const key = (byte: string) => byte.repeat(32);
    const config = loadConfig({
      HOOKPOST_PREVIOUS_SECRET_KEYS: `${key('ab')}, ${Buffer.alloc(32, 7).toString('base64')}`,
      HOOKPOST_NEW_SECRET_KEY: key('cd'),
      HOOKPOST_RATE_LIMIT_PER_CREDENTIAL: '60',
      HOOKPOST_RATE_LIMIT_PER_ADDRESS: '0',
      HOOKPOST_ACCESS_TOKEN_TTL: '15m',
      HOOKPOST_MAX_JSON_DEPTH: '10',
      HOOKPOST_MAX_HEADER_BYTES: '8192',
    });
    expect(config.previousSecretKeys.map((k) => k.toString('hex'))).toEqual([key('ab'), '07'.repeat(32)]);
    expect(config.newSecretKey?.toString('hex')).toBe(key('cd'));
    expect(config.rateLimit).toEqual({ perCredentialPerMinute: 60, perAddressPerMinute: 0 });
    expect(config.accessTokenTtlMs).toBe(900_000);
    expect(config.limits).toEqual({ maxJsonDepth: 10, maxHeaderBytes: 8192 });
  });

  it('throttles no one by default: a single key may publish at full speed; limits are opt-in', () => {
    expect(loadConfig({}).rateLimit).toEqual({ perCredentialPerMinute: 0, perAddressPerMinute: 0 });
  });
});
