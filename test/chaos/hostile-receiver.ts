import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The hostile receivers of issue 10, each a path on one server (so they also share one origin). */
export const HOSTILE_KINDS = ['reset', 'hang', 'slow-body', 'huge', 'late'] as const;
/** Issue 10's last row besides the five: a 200 whose body then stalls past the sender's timeout. */
export const STALL = 'stall';
export type HostileKind = (typeof HOSTILE_KINDS)[number] | typeof STALL;
export type ReceiverPath = 'ok' | HostileKind;
const PATHS: readonly ReceiverPath[] = ['ok', ...HOSTILE_KINDS, STALL];

/** A receiver for `/ok` (healthy: 200 at once, arrival times recorded per webhook-id) and the hostile paths. */
export interface HostileReceiver {
  url(path: ReceiverPath): string;
  /** When each webhook-id first reached /ok. */
  healthy: Map<string, number>;
  /** Receipts at /ok per webhook-id. */
  healthyReceipts: Map<string, number>;
  /** Requests per hostile path answered the hostile way. */
  hits: Record<HostileKind, number>;
  /** Per path, the webhook-ids the receiver accepted (answered with a 2xx status), with how often. */
  accepted: Record<ReceiverPath, Map<string, number>>;
  /** Per path, 2xx answers whose body never got to its end (stalled, dripping, or cut off by the sender). */
  cut: Record<ReceiverPath, number>;
  /** From now on every path answers like /ok: the hostile endpoints have recovered. */
  heal(): void;
  close(): Promise<void>;
}

const TEN_MB = 10 * 1024 * 1024;

/** `lateMs`: how long /late waits before its 200 (issue 10 measured 14 s; bounded by the sender's timeout). */
export async function startHostileReceiver(lateMs = 14_000): Promise<HostileReceiver> {
  const accepted = Object.fromEntries(PATHS.map((p) => [p, new Map<string, number>()])) as HostileReceiver['accepted'];
  const cut = Object.fromEntries(PATHS.map((p) => [p, 0])) as HostileReceiver['cut'];
  const healthy = new Map<string, number>();
  const hits = Object.fromEntries(PATHS.filter((p) => p !== 'ok').map((k) => [k, 0])) as Record<HostileKind, number>;
  let healed = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, work: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), work()), ms);
    timers.add(timer);
  };
  // A 2xx status line is the receiver's acceptance: counted then, whatever happens to the body.
  const accept = (path: ReceiverPath, req: IncomingMessage, res: ServerResponse, headers: Record<string, string> = {}) => {
    const id = String(req.headers['webhook-id']);
    accepted[path].set(id, (accepted[path].get(id) ?? 0) + 1);
    res.on('close', () => {
      if (!res.writableFinished) cut[path] += 1;
    });
    return res.writeHead(200, headers);
  };
  const ok = (path: ReceiverPath) => (req: IncomingMessage, res: ServerResponse) => {
    if (path === 'ok' && !healthy.has(String(req.headers['webhook-id']))) healthy.set(String(req.headers['webhook-id']), Date.now());
    accept(path, req, res).end('ok');
  };
  const hostile: Record<HostileKind, (req: IncomingMessage, res: ServerResponse) => void> = {
    reset: (req) => req.socket.destroy(),
    hang: () => undefined,
    'slow-body': (req, res) => {
      accept('slow-body', req, res, { 'content-length': '1000' });
      const drip = () => {
        if (res.destroyed) return;
        res.write('.');
        later(500, drip);
      };
      drip();
    },
    huge: (req, res) => {
      accept('huge', req, res, { 'content-length': String(TEN_MB) });
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
    late: (req, res) => later(lateMs, () => !res.destroyed && accept('late', req, res).end('ok')),
    stall: (req, res) => accept(STALL, req, res, { 'content-length': '100' }).write('partial'),
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').slice(1) as ReceiverPath;
      if (!PATHS.includes(path)) return void res.writeHead(404).end();
      if (path === 'ok' || healed) return ok(path)(req, res);
      hits[path] += 1;
      hostile[path](req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    healthy,
    healthyReceipts: accepted.ok,
    hits,
    accepted,
    cut,
    heal: () => (healed = true),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
