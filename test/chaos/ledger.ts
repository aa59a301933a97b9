import { expect } from 'vitest';

/**
 * What a fault-injection scenario published and what receivers got: every acknowledged event id,
 * and every receipt (an id may arrive more than once: delivery is at-least-once). At the end it
 * prints `published, delivered, duplicates, lost` and holds the scenario to lost = 0 and to no
 * more duplicates than there were deliveries in flight when the faults struck.
 */
export class Ledger {
  readonly published = new Set<string>();
  readonly receipts = new Map<string, number>();
  /** Deliveries that could have been in flight at a fault (summed over faults): the duplicates allowed. */
  inFlightAtFaults = 0;

  constructor(readonly scenario: string) {}

  publish(id: string): void {
    this.published.add(id);
  }

  receive(id: string): void {
    this.receipts.set(id, (this.receipts.get(id) ?? 0) + 1);
  }

  /** Ids published and not among `delivered` (a receiver's accepted ids, while the scenario runs). */
  missing(delivered: { has(id: string): boolean }): string[] {
    return [...this.published].filter((id) => !delivered.has(id));
  }

  summary() {
    const delivered = [...this.published].filter((id) => this.receipts.has(id)).length;
    const duplicates = [...this.receipts.values()].reduce((sum, n) => sum + (n - 1), 0);
    return { published: this.published.size, delivered, duplicates, lost: this.published.size - delivered };
  }

  /** Prints the figures and asserts lost = 0 and duplicates within what was in flight. */
  settle(): void {
    const figures = this.summary();
    process.stdout.write(
      `[chaos] ${this.scenario}: published ${figures.published}, delivered ${figures.delivered}, duplicates ${figures.duplicates}, lost ${figures.lost} (in flight at faults: ${this.inFlightAtFaults})\n`,
    );
    expect(figures.lost, `${this.scenario}: lost`).toBe(0);
    expect(figures.duplicates, `${this.scenario}: duplicates`).toBeLessThanOrEqual(this.inFlightAtFaults);
  }
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Waits until `done()` holds, failing when `progress()` has not changed for `stallMs`. */
export async function untilDone(done: () => boolean, progress: () => number, stallMs: number, what: string): Promise<void> {
  let last = progress();
  let lastChange = Date.now();
  while (!done()) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = progress();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      throw new Error(`${what}: no progress for ${stallMs} ms (at ${now})`);
    }
  }
}
