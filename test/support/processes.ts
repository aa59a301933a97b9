import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { request } from 'undici';

/** A Hookpost process started from the built dist/, as `npx hookpost api|worker` would run it. */
export interface HookpostProcess {
  role: 'api' | 'worker' | 'serve';
  url: string;
  child: ChildProcess;
  /** The last lines it printed, for failure messages. */
  output(): string;
  /** Sum of the counter samples on /metrics whose line starts with `name`. */
  metric(name: string): Promise<number>;
  health(): Promise<Record<string, unknown>>;
  /** Sends `signal` (SIGTERM: drain and exit) and resolves when it exited; SIGKILLs it after 10 s. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const BIN = path.resolve('bin/hookpost.js');

/** Starts `hookpost <role>` on a free port with `env` (plus a data directory of its own); resolves once it listens. */
export async function spawnHookpost(role: HookpostProcess['role'], env: Record<string, string>): Promise<HookpostProcess> {
  const child = spawn(process.execPath, [BIN, role], {
    env: {
      PATH: process.env.PATH ?? '',
      HOOKPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `hookpost-${role}-`)),
      HOOKPOST_HOST: '127.0.0.1',
      HOOKPOST_PORT: '0',
      HOOKPOST_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookpost ${role} did not listen within 20 s:\n${lines.join('\n')}`)), 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hookpost ${role} exited (${code ?? signal}) before listening:\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      const address = /"address":"([^"]+)".*"msg":"Hookpost is listening"/.exec(line)?.[1];
      if (address) {
        clearTimeout(timer);
        resolve(address);
      }
    });
  });
  const get = async (route: string) => {
    const response = await request(new URL(route, url));
    return response.body.text();
  };
  return {
    role,
    url,
    child,
    output: () => lines.join('\n'),
    async metric(name) {
      const text = await get('/metrics');
      return text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    },
    async health() {
      return JSON.parse(await get('/healthz')) as Record<string, unknown>;
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A drain that takes too long is not what the caller is testing: make sure the process is gone.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
