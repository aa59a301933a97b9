// The separate processes of a benchmark: Hookpost servers, the receiver, the load generator and
// the BullMQ sender, with what the scenarios read from them (counts, RSS, start-up time).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { LoadJob, LoadMessage, LoadReport } from './load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Hookpost checkout whose server is measured (BENCH_HOOKPOST_ROOT measures another build, e.g. a baseline). */
export const hookpostRoot = process.env.BENCH_HOOKPOST_ROOT ?? path.resolve(here, '../..');
export const ADMIN_TOKEN = 'hpa_bench_admin_token_0123456789';
/** The instance key every bench server uses, so that seeded rows can be sealed beforehand. */
export const SECRET_KEY_HEX = '11'.repeat(32);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The receiver process. */
export class Receiver {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly hangPort: number,
    readonly otherPort: number,
  ) {}

  static async start(): Promise<Receiver> {
    const child = fork(path.join(here, 'receiver.js'));
    const { port, hangPort, otherPort } = await new Promise<{ port: number; hangPort: number; otherPort: number }>((resolve) => child.once('message', resolve));
    return new Receiver(child, port, hangPort, otherPort);
  }

  url(pathname = '/hook'): string {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** A URL on the receiver's second answering port: another origin (another tenant's endpoint, say), counted with the first. */
  otherUrl(pathname = '/hook'): string {
    return `http://127.0.0.1:${this.otherPort}${pathname}`;
  }

  /** A URL on the receiver's other port, which never answers. */
  hangingUrl(pathname = '/hang'): string {
    return `http://127.0.0.1:${this.hangPort}${pathname}`;
  }

  #ask<T>(message: string): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (m: T) => resolve(m));
      this.child.send(message);
    });
  }

  async count(): Promise<number> {
    return (await this.#ask<{ count: number }>('count')).count;
  }
  async reset(): Promise<void> {
    await this.#ask('reset');
  }
  async latencies(): Promise<number[]> {
    return (await this.#ask<{ latencies: number[] }>('latencies')).latencies;
  }
  /**
   * Seconds from `since` (epoch ms, e.g. a load report's startedAt, or a `since` promise resolving to
   * one) until `total` requests were counted; fails after `stallMs` without progress.
   */
  async waitFor(total: number, since: number | Promise<number>, stallMs = 60_000): Promise<number> {
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      const count = await this.count();
      if (count >= total) {
        const done = performance.timeOrigin + performance.now();
        return (done - (await since)) / 1000;
      }
      if (count !== last) {
        last = count;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > stallMs) {
        throw new Error(`the receiver stalled at ${count} of ${total}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  stop(): void {
    this.child.send('stop');
  }
}

/**
 * Runs one load job in its own process: its warm-up items first, then `afterWarmUp` with their
 * report (to let what they caused finish, say), then the measured items; resolves with the
 * measured items' report.
 */
export function runLoad(job: LoadJob, afterWarmUp: (warmUp: LoadReport) => Promise<void>): Promise<LoadReport> {
  const child = fork(path.join(here, 'load.js'));
  return new Promise((resolve, reject) => {
    child.on('message', ({ phase, report }: LoadMessage) => {
      if (phase === 'measured') resolve(report);
      else
        afterWarmUp(report).then(
          () => child.send('go'),
          (error) => {
            child.kill();
            reject(error);
          },
        );
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
    child.send(job);
  });
}

/** A Hookpost server process (`hookpost serve`). */
export class HookpostServer {
  private constructor(
    readonly child: ChildProcess,
    readonly base: string,
    readonly readySeconds: number,
    /** CPU time (user + system, every thread) the process had used when /healthz first answered. */
    readonly readyCpuSeconds: number,
    readonly dataDir: string,
  ) {}

  /** Starts `serve` with the bench's settings plus `env` (and `nodeArgs` for node itself); resolves when /healthz answers. */
  static async start(env: Record<string, string> = {}, dataDir?: string, nodeArgs: string[] = []): Promise<HookpostServer> {
    const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'hookpost-bench-'));
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, path.join(hookpostRoot, 'bin/hookpost.js'), 'serve'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOOKPOST_DATA_DIR: dir,
        HOOKPOST_PORT: String(port),
        HOOKPOST_ADMIN_TOKEN: ADMIN_TOKEN,
        HOOKPOST_SECRET_KEY: SECRET_KEY_HEX,
        HOOKPOST_ALLOW_PRIVATE_TARGETS: '1',
        HOOKPOST_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hookpost exited with ${child.exitCode} before it was ready`);
      try {
        const response = await request(`${base}/healthz`);
        await response.body.dump();
        if (response.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return new HookpostServer(child, base, (performance.now() - started) / 1000, cpuSeconds(child.pid!), dir);
  }

  /** Resident memory now and at its peak, in MB (Linux /proc). */
  memory(): { rssMb: number; peakRssMb: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  }

  /** An admin call to the native API. */
  async call(method: 'POST' | 'GET', pathname: string, body?: unknown, token = ADMIN_TOKEN): Promise<any> {
    const response = await request(`${this.base}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${method} ${pathname}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async stop(removeData = true): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * CPU time a process has used (Linux /proc, in clock ticks of 10 ms): on a shared machine it
 * varies far less with the other load than wall time does.
 */
function cpuSeconds(pid: number): number {
  // The fields after the command name (which may hold spaces and parentheses) start with the 3rd: utime is the 14th, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The BullMQ + undici sender process; resolves once its worker is connected. */
export async function startBullmqSender(queue: string, url: string): Promise<ChildProcess> {
  const child = fork(path.join(here, 'bullmq-sender.js'), [queue, url]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the BullMQ sender did not connect to Redis on 127.0.0.1:6379 within 10 s'));
    }, 10_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`the BullMQ sender exited with ${code}`)));
  });
  return child;
}
