/**
 * A background pass run every `intervalMs` (the timer never keeps the process alive), never two
 * at once: a pass asked for while one runs gets that one's result. `stop` waits for it to end.
 */
export class PeriodicPass<T> {
  readonly #pass: () => Promise<T>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<T> | null = null;

  constructor(pass: () => Promise<T>, intervalMs: number) {
    this.#pass = pass;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  runOnce(): Promise<T> {
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }
}
