import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { HookpostError } from '../core/errors.js';
import type { Task, TaskKind } from '../core/model.js';
import type { ServiceDeps } from './deps.js';
import { fanOutStep } from './fan-out.js';
import { recoverStep } from './recovery.js';

/** What one step of a task did: its counts so far, where the next step starts, and whether it is finished. */
export interface StepResult {
  progress: Record<string, number>;
  cursor: string | null;
  done: boolean;
}

/** One batch of a kind of task. A step repeated after a crash must not repeat its effects. */
export type TaskStep = (deps: ServiceDeps, task: Task, batchSize: number) => Promise<StepResult>;

const STEPS: Record<TaskKind, TaskStep> = { recover: recoverStep, fan_out: fanOutStep };

/** The tenant's task, or not_found. */
export async function requireTask(deps: ServiceDeps, tenantId: string, id: string): Promise<Task> {
  const task = await deps.store.getTask(tenantId, id);
  if (!task) throw new HookpostError('not_found', `No task ${id}.`);
  return task;
}

/** How a runner works. */
export interface TaskRunnerOptions {
  pollIntervalMs: number;
  leaseMs: number;
  batchSize: number;
  logger: Logger;
}

/**
 * Runs background tasks in batches under a lease: any process may run any task, a crashed
 * runner's tasks are taken over when its lease expires, and each batch's progress is saved.
 */
export class TaskRunner {
  readonly owner = `tasks-${randomBytes(6).toString('hex')}`;
  readonly #deps: ServiceDeps;
  readonly #options: TaskRunnerOptions;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakePending = false;
  #unsubscribe: (() => void) | null = null;

  constructor(deps: ServiceDeps, options: TaskRunnerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // A task started anywhere (this process or, where the store can tell, another) is looked at now.
    this.#unsubscribe = this.#deps.store.onTasksDue(() => this.wake());
    this.#loop = this.#run();
  }

  /** Lets the current batch finish, then stops; an unfinished task is resumed by whoever leases it next. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.wake();
    await this.#loop;
  }

  /** Looks for work now rather than at the next poll. */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#wakePending = true;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let worked = false;
      try {
        const task = await this.#deps.store.claimTask(this.owner, this.#deps.now(), this.#options.leaseMs);
        if (task) {
          worked = true;
          await this.#work(task);
        }
      } catch (error) {
        this.#options.logger.error({ err: error }, 'a background task step failed; it will be retried');
      }
      if (!worked) await this.#idle();
    }
  }

  async #work(task: Task): Promise<void> {
    let current = task;
    while (this.#running) {
      const step = await STEPS[current.kind](this.#deps, current, this.#options.batchSize);
      const now = this.#deps.now();
      const saved = await this.#deps.store.saveTaskProgress(current.id, this.owner, { ...step, leaseUntil: now + this.#options.leaseMs }, now);
      if (!saved || step.done) return;
      current = { ...current, progress: step.progress, cursor: step.cursor };
    }
  }

  #idle(): Promise<void> {
    if (this.#wakePending || !this.#running) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        this.#wakePending = false;
        resolve();
      };
      timer = setTimeout(done, this.#options.pollIntervalMs);
      this.#wake = done;
    });
  }
}
