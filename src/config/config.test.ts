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
    expect(config.bodyLimitBytes).toBe(256 * 1024);
    expect(Object.isFrozen(config.delivery)).toBe(true);
  });

  it('reads HOOKPOST_ variables', () => {
    const config = loadConfig({
      HOOKPOST_PORT: '9001',
      HOOKPOST_ROLE: 'worker',
      HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
      HOOKPOST_RETRY_SCHEDULE: '0,1s,1m',
      HOOKPOST_SECRET_KEY: 'ab'.repeat(32),
    });
    expect(config.port).toBe(9001);
    expect(config.role).toBe('worker');
    expect(config.allowPrivateTargets).toBe(true);
    expect(config.delivery.retry.delaysMs).toEqual([0, 1_000, 60_000]);
    expect(config.secretKey).toHaveLength(32);
  });

  it.each([
    ['HOOKPOST_PORT', '80000'],
    ['HOOKPOST_ROLE', 'boss'],
    ['HOOKPOST_ALLOW_PRIVATE_TARGETS', 'maybe'],
    ['HOOKPOST_RETRY_SCHEDULE', '0,soon'],
    ['HOOKPOST_SECRET_KEY', 'short'],
    ['HOOKPOST_REQUEST_TIMEOUT', 'forever'],
  ])('names the variable when %s=%s is unusable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
