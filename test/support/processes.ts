import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startProcess, type HookpostProcess } from './process.js';

/** A Hookpost process in one role, with what the scale-out tests ask of it. */
export interface RoleProcess extends HookpostProcess {
  role: 'api' | 'worker' | 'serve';
  /** Sum of the samples on /metrics whose line starts with `name`. */
  metric(name: string): Promise<number>;
  health(): Promise<Record<string, unknown>>;
  /** Sends `signal` (SIGTERM: drain and exit) and resolves when it exited; SIGKILLs it after 10 s. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `hookpost <role>` from dist/ with `env` and a data directory of its own; resolves once it listens. */
export async function spawnHookpost(role: RoleProcess['role'], env: Record<string, string>): Promise<RoleProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `hookpost-${role}-`));
  // A busy machine starts processes slowly; starting is not what these tests measure.
  const started = await startProcess({ HOOKPOST_DATA_DIR: dataDir, HOOKPOST_HOST: '127.0.0.1', ...env }, role, 60_000);
  const get = async (route: string) => (await request(new URL(route, started.url))).body.text();
  const { child } = started;
  return {
    ...started,
    role,
    async metric(name) {
      const lines = (await get('/metrics')).split('\n').filter((line) => line.startsWith(name));
      return lines.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
    async health() {
      return JSON.parse(await get('/healthz')) as Record<string, unknown>;
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A drain that takes too long is not what the caller is testing: make sure the process is gone.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await started.exited;
      clearTimeout(timer);
    },
  };
}
