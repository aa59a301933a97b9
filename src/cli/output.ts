import { styleText } from 'node:util';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';

/** A column of a table: its heading and how to read a row's cell. */
export type Column<R> = [heading: string, cell: (row: R) => unknown];

/** How a remote command prints: JSON for scripts, or tables and colours for people. */
export class Output {
  constructor(
    readonly json: boolean,
    readonly colour: boolean,
    readonly out: NodeJS.WritableStream = process.stdout,
    readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A list: a table, or with --json the objects themselves as one JSON array. */
  table<R>(rows: R[], columns: Column<R>[]): void {
    if (this.json) return this.#write(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return this.#write(this.dim('(none)'));
    const table = new Table({ head: columns.map(([heading]) => heading), style: { head: this.colour ? ['cyan'] : [], border: this.colour ? ['grey'] : [] } });
    for (const row of rows) table.push(columns.map(([, cell]) => this.#cell(cell(row))));
    this.#write(table.toString());
  }

  /** One object: `field  value` lines, or with --json the object. */
  record(value: Record<string, unknown>): void {
    if (this.json) return this.#write(JSON.stringify(value, null, 2));
    const width = Math.max(...Object.keys(value).map((k) => k.length));
    for (const [key, field] of Object.entries(value)) this.#write(`${this.bold(key.padEnd(width))}  ${this.#cell(field)}`);
  }

  /** A short result (an id): the text alone, or with --json the object. */
  result(text: string, value: unknown): void {
    this.#write(this.json ? JSON.stringify(value, null, 2) : text);
  }

  /** A line for people, on stderr, so that stdout stays parseable. */
  note(text: string): void {
    this.err.write(`${text}\n`);
  }

  /** A progress bar on stderr, shown only on a terminal. */
  progress(total: number, label: string): { update(done: number): void; stop(): void } {
    if (!this.colour || this.json) return { update: () => undefined, stop: () => undefined };
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: this.err, hideCursor: true, clearOnComplete: false });
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }

  status(status: string): string {
    const colour = status === 'succeeded' ? 'green' : status === 'failed' ? 'red' : status === 'in_flight' ? 'cyan' : 'yellow';
    return this.paint(colour, status);
  }

  paint(colour: Parameters<typeof styleText>[0], text: string): string {
    return this.colour ? styleText(colour, text) : text;
  }

  bold(text: string): string {
    return this.paint('bold', text);
  }

  dim(text: string): string {
    return this.paint('dim', text);
  }

  #cell(value: unknown): string {
    if (value === null || value === undefined) return this.dim('-');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  #write(text: string): void {
    this.out.write(`${text}\n`);
  }
}
