import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The hostile receivers of issue 10, each a path on one server (so they also share one origin). */
export const HOSTILE_KINDS = ['reset', 'hang', 'slow-body', 'huge', 'late'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** A receiver for `/ok` (healthy: 200 at once, arrival times recorded per webhook-id) and the hostile paths. */
export interface HostileReceiver {
  url(path: 'ok' | HostileKind): string;
  /** When each webhook-id first reached /ok. */
  healthy: Map<string, number>;
  /** Receipts at /ok per webhook-id. */
  healthyReceipts: Map<string, number>;
  hits: Record<HostileKind, number>;
  close(): Promise<void>;
}

const TEN_MB = 10 * 1024 * 1024;

/** `lateMs`: how long /late waits before its 200 (issue 10 measured 14 s; bounded by the sender's timeout). */
export async function startHostileReceiver(lateMs = 14_000): Promise<HostileReceiver> {
  const healthy = new Map<string, number>();
  const healthyReceipts = new Map<string, number>();
  const hits = Object.fromEntries(HOSTILE_KINDS.map((k) => [k, 0])) as Record<HostileKind, number>;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), work()), ms);
    timers.add(timer);
  };
  const answer: Record<'ok' | HostileKind, (req: IncomingMessage, res: ServerResponse) => void> = {
    ok: (req, res) => {
      const id = String(req.headers['webhook-id']);
      if (!healthy.has(id)) healthy.set(id, Date.now());
      healthyReceipts.set(id, (healthyReceipts.get(id) ?? 0) + 1);
      res.writeHead(200).end('ok');
    },
    reset: (req) => req.socket.destroy(),
    hang: () => undefined,
    'slow-body': (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const drip = () => {
        if (res.destroyed) return;
        res.write('.');
        later(500, drip);
      };
      drip();
    },
    huge: (_req, res) => {
      res.writeHead(200, { 'content-length': String(TEN_MB) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < TEN_MB && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
    late: (_req, res) => later(lateMs, () => !res.destroyed && res.writeHead(200).end('ok')),
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').slice(1) as 'ok' | HostileKind;
      if (path !== 'ok' && path in hits) hits[path] += 1;
      (answer[path] ?? ((_q: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()))(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    healthy,
    healthyReceipts,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
