import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the counting receiver answers one request: a status, after an optional delay. */
export type CountingAnswer = { status: number; delayMs?: number };

/**
 * A lean receiver for load tests: it keeps no bodies, only how often each webhook-id came, how
 * many answers were 2xx per id, and every time a request for an id arrived while another request
 * for the same id was still unanswered (two senders holding one delivery at once).
 */
export interface CountingReceiver {
  url: string;
  /** Requests per webhook-id (the event id). */
  received: Map<string, number>;
  /** 2xx answers per webhook-id. */
  accepted: Map<string, number>;
  /** Ids that arrived while a request for the same id was in flight. */
  overlaps: string[];
  /**
   * Resolves once every one of `ids` has been accepted; rejects when none of them arrived for
   * `stallMs`. Waiting on progress rather than a deadline keeps a slow machine from failing a correct run.
   */
  waitForAccepted(ids: string[], stallMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a counting receiver; `answer` decides each response from the id and how often it came (default: 200 at once). */
export async function startCountingReceiver(answer: (id: string, nth: number) => CountingAnswer = () => ({ status: 200 })): Promise<CountingReceiver> {
  const received = new Map<string, number>();
  const accepted = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const overlaps: string[] = [];
  const server = createServer((req, res) => {
    const id = String(req.headers['webhook-id'] ?? '');
    req.resume();
    let open = false;
    // Each request leaves the in-flight count once: when answered, or when its sender vanished.
    const leave = () => {
      if (!open) return;
      open = false;
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
    };
    req.on('end', () => {
      const nth = (received.get(id) ?? 0) + 1;
      received.set(id, nth);
      if ((inFlight.get(id) ?? 0) > 0) overlaps.push(id);
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      open = true;
      const { status, delayMs = 0 } = answer(id, nth);
      const reply = () => {
        leave();
        if (status >= 200 && status < 300) accepted.set(id, (accepted.get(id) ?? 0) + 1);
        res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
    res.on('close', leave);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted,
    overlaps,
    async waitForAccepted(ids, stallMs) {
      const missing = () => ids.filter((id) => !accepted.has(id));
      let left = missing().length;
      let lastProgress = Date.now();
      while (left > 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = missing().length;
        if (now < left) [left, lastProgress] = [now, Date.now()];
        if (Date.now() - lastProgress > stallMs) throw new Error(`the receiver still lacks ${left} of ${ids.length} event ids, and none came for ${stallMs} ms: ${missing().slice(0, 5).join(', ')}`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
