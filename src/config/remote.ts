import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config.js';

type Env = Record<string, string | undefined>;

/** Where the CLI's remote commands send their calls, and how they print. */
export interface RemoteSettings {
  url: string;
  token: string | null;
  /** Colours only on a terminal, and never with NO_COLOR set. */
  colour: boolean;
}

/** The variables the remote commands read, for --help. */
export const REMOTE_ENVIRONMENT: [string, string][] = [
  ['HOOKPOST_URL', 'the server (default http://127.0.0.1:8040); --url wins'],
  ['HOOKPOST_TOKEN', 'the bearer token: the admin token or a tenant API key; --token wins'],
  ['HOOKPOST_PROFILE', 'the profile to use from the profile file (default "default"); --profile wins'],
  ['HOOKPOST_PROFILES', 'the profile file (default ~/.config/hookpost/profiles.json)'],
  ['NO_COLOR', 'set to print without colours'],
];

/** A profile file: `{ "default": { "url": "…", "token": "…" }, "staging": { … } }`. */
type ProfileFile = Record<string, { url?: string; token?: string }>;

/**
 * Resolves the server and token: flags first, then HOOKPOST_URL / HOOKPOST_TOKEN, then the
 * chosen profile of the profile file, then the local default URL.
 */
export function resolveRemote(flags: { url?: string; token?: string; profile?: string }, isTty: boolean, env: Env = process.env): RemoteSettings {
  const file = env.HOOKPOST_PROFILES || path.join(os.homedir(), '.config', 'hookpost', 'profiles.json');
  const name = flags.profile ?? env.HOOKPOST_PROFILE ?? 'default';
  let profile: { url?: string; token?: string } = {};
  if (existsSync(file)) {
    let profiles: ProfileFile;
    try {
      profiles = JSON.parse(readFileSync(file, 'utf8')) as ProfileFile;
    } catch (error) {
      throw new ConfigError(`The profile file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    profile = profiles[name] ?? {};
    if (!profiles[name] && (flags.profile ?? env.HOOKPOST_PROFILE)) throw new ConfigError(`No profile "${name}" in ${file}.`);
  } else if (flags.profile) {
    throw new ConfigError(`No profile file at ${file} (set HOOKPOST_PROFILES to name another).`);
  }
  const url = flags.url ?? nonEmpty(env.HOOKPOST_URL) ?? profile.url ?? 'http://127.0.0.1:8040';
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`The server URL "${url}" is not a URL (from --url, HOOKPOST_URL or the profile).`);
  }
  return {
    url,
    token: flags.token ?? nonEmpty(env.HOOKPOST_TOKEN) ?? profile.token ?? null,
    colour: isTty && env.NO_COLOR === undefined,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
