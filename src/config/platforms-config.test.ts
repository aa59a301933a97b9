import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('HOOKPOST_PLATFORMS', () => {
  it('serves every door by default', () => {
    expect(loadConfig({}).platforms).toEqual(['schoolmaker', 'timeback', 'kajabi', 'fourthwall', 'thinkific', 'svix']);
  });

  it('takes a comma list (any case, spaces, repeats) and `none`', () => {
    expect(loadConfig({ HOOKPOST_PLATFORMS: ' Kajabi, thinkific,kajabi ' }).platforms).toEqual(['kajabi', 'thinkific']);
    expect(loadConfig({ HOOKPOST_PLATFORMS: 'svix' }).platforms).toEqual(['svix']);
    expect(loadConfig({ HOOKPOST_PLATFORMS: 'none' }).platforms).toEqual([]);
  });

  it('refuses a door it does not know, naming the ones it does', () => {
    expect(() => loadConfig({ HOOKPOST_PLATFORMS: 'kajabi,teachable' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOOKPOST_PLATFORMS: 'teachable' })).toThrow(/schoolmaker, timeback, kajabi, fourthwall, thinkific, svix/);
    expect(() => loadConfig({ HOOKPOST_PLATFORMS: ',' })).toThrow(ConfigError);
  });
});
