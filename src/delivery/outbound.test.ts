import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createGuardedLookup,
  createOutboundClient,
  type OutboundClient,
  type OutboundOptions,
} from './outbound.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  localAddress: string | undefined;
}

interface Receiver {
  port: number;
  url: string;
  requests: Received[];
  connections: number;
  server: http.Server;
}

type Respond = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real node:http server that records what it receives before `respond` answers. */
async function startReceiver(respond: Respond, host = '127.0.0.1'): Promise<Receiver> {
  const receiver: Receiver = { port: 0, url: '', requests: [], connections: 0, server: http.createServer() };
  const { server } = receiver;
  server.on('connection', () => {
    receiver.connections++;
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        localAddress: req.socket.localAddress,
      });
      respond(req, res);
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://${host}:${receiver.port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return receiver;
}

function client(overrides: Partial<OutboundOptions> = {}): OutboundClient {
  const c = createOutboundClient({
    allowPrivateTargets: true,
    connectTimeoutMs: 5000,
    totalTimeoutMs: 5000,
    maxConnectionsPerOrigin: 4,
    maxResponseBytes: 64 * 1024,
    storedResponseBytes: 4 * 1024,
    ...overrides,
  });
  cleanups.push(() => c.close().catch(() => undefined));
  return c;
}

/** A resolver that answers every name with `addresses` and records the names asked. */
function fakeLookup(addresses: string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = ((hostname, options, callback) => {
    calls.push(hostname);
    const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    setImmediate(() => {
      if (options.all) callback(null, all);
      else callback(null, all[0]!.address, all[0]!.family);
    });
  }) as LookupFunction & { calls: string[] };
  lookup.calls = calls;
  return lookup;
}

function failingLookup(code: string): LookupFunction {
  return (hostname, _options, callback) => {
    const err: NodeJS.ErrnoException = new Error(`getaddrinfo ${code} ${hostname}`);
    err.code = code;
    setImmediate(() => callback(err, []));
  };
}

const post = (url: string, body = '{"type":"ping"}') => ({
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
  body,
});

describe('outbound client', () => {
  it('POSTs the body and headers and keeps a prefix of a 2xx response body', async () => {
    const full = 'abcdefghij'.repeat(1000);
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end(full));
    const started = Date.now();

    const result = await client({ storedResponseBytes: 4096 }).send(post(`${receiver.url}/hooks?x=1`));

    expect(result.statusCode).toBe(200);
    expect(result.errorClass).toBeNull();
    expect(result.errorMessage).toBeNull();
    expect(result.retryAfterMs).toBeNull();
    expect(result.responseBody).toBe(full.slice(0, 4096));
    expect(result.startedAt).toBeGreaterThanOrEqual(started);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(receiver.requests).toHaveLength(1);
    const [received] = receiver.requests;
    expect(received!.method).toBe('POST');
    expect(received!.url).toBe('/hooks?x=1');
    expect(received!.body).toBe('{"type":"ping"}');
    expect(received!.headers['webhook-id']).toBe('msg_1');
    expect(received!.headers['content-type']).toBe('application/json');
  });

  it('keeps at most maxConnectionsPerOrigin keep-alive connections to one origin', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    const c = client({ maxConnectionsPerOrigin: 2 });

    for (let i = 0; i < 20; i++) {
      const result = await c.send(post(receiver.url));
      expect(result.statusCode).toBe(204);
      expect(result.responseBody).toBe('');
    }
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => c.send(post(receiver.url))));

    expect(concurrent.every((r) => r.statusCode === 204)).toBe(true);
    expect(receiver.requests).toHaveLength(30);
    expect(receiver.connections).toBe(2);
  });

  it('reports a 500 as bad_status with the status code and body', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(500).end('boom'));

    const result = await client().send(post(receiver.url));

    expect(result.statusCode).toBe(500);
    expect(result.errorClass).toBe('bad_status');
    expect(result.errorMessage).toContain('500');
    expect(result.responseBody).toBe('boom');
  });

  it('does not follow a 302 and reports it as bad_status', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end('followed'));
    const redirecting = await startReceiver((_req, res) =>
      res.writeHead(302, { location: `${target.url}/elsewhere` }).end(),
    );

    const result = await client().send(post(redirecting.url));

    expect(result.statusCode).toBe(302);
    expect(result.errorClass).toBe('bad_status');
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it('parses Retry-After given in seconds on a 429', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());

    const result = await client().send(post(receiver.url));

    expect(result.statusCode).toBe(429);
    expect(result.errorClass).toBe('bad_status');
    expect(result.retryAfterMs).toBe(7000);
  });

  it('parses Retry-After given as an HTTP date on a 503', async () => {
    const receiver = await startReceiver((_req, res) =>
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }).end(),
    );

    const result = await client().send(post(receiver.url));

    expect(result.statusCode).toBe(503);
    expect(result.errorClass).toBe('bad_status');
    // toUTCString drops milliseconds, so the date is up to 1 s earlier than now + 30 s.
    expect(result.retryAfterMs).toBeGreaterThan(28_000);
    expect(result.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('times out a receiver that never answers within about totalTimeoutMs', async () => {
    const receiver = await startReceiver(() => {
      /* never respond */
    });

    const result = await client({ totalTimeoutMs: 300 }).send(post(receiver.url));

    expect(result.errorClass).toBe('timeout');
    expect(result.statusCode).toBeNull();
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
    expect(result.durationMs).toBeLessThan(1000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('counts the body read against the total timeout; a 2xx whose body stalls is one success, not also a timeout', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial'); // and never the rest
    });

    const result = await client({ totalTimeoutMs: 5000 }).send({ ...post(receiver.url), timeoutMs: 300 });

    expect(result.statusCode).toBe(200);
    expect(result.errorClass).toBeNull();
    expect(result.errorMessage).toBeNull();
    expect(result.responseBody).toBe('partial');
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('records a non-2xx whose body stalls as one bad_status failure, its status kept', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(500, { 'content-length': '100' });
      res.write('partial'); // and never the rest
    });

    const result = await client().send({ ...post(receiver.url), timeoutMs: 300 });

    expect(result.statusCode).toBe(500);
    expect(result.errorClass).toBe('bad_status');
    expect(result.errorMessage).toContain('did not end within 300 ms');
    expect(result.durationMs).toBeLessThan(1000);
  });

  it('records a 2xx whose connection breaks mid-body as one success', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(204, { 'content-length': '0' });
      res.end();
    });
    const broken = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });

    expect((await client().send(post(receiver.url))).errorClass).toBeNull();
    const result = await client().send(post(broken.url));
    expect(result.statusCode).toBe(200);
    expect(result.errorClass).toBeNull();
  });

  it('reports a closed port as refused', async () => {
    const receiver = await startReceiver(() => undefined);
    const { port } = receiver;
    await cleanups.pop()!();

    const result = await client().send(post(`http://127.0.0.1:${port}/`));

    expect(result.errorClass).toBe('refused');
    expect(result.statusCode).toBeNull();
    expect(result.errorMessage).toContain('ECONNREFUSED');
  });

  it('reports a name that does not resolve as dns', async () => {
    const result = await client({ lookup: failingLookup('ENOTFOUND') }).send(post('http://nowhere.invalid/'));

    expect(result.errorClass).toBe('dns');
    expect(result.statusCode).toBeNull();
    expect(result.errorMessage).toContain('ENOTFOUND');
  });

  it('cuts a 1 MiB response body at maxResponseBytes without error', async () => {
    const mib = 1024 * 1024;
    let closedBeforeEnd = false;
    // Declares 1 MiB but sends only 128 KiB and holds: a client that read past the cap
    // would wait for the rest and time out.
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': String(mib) });
      res.write(Buffer.alloc(128 * 1024, 'a'));
      res.socket?.on('close', () => {
        closedBeforeEnd = !res.writableEnded;
      });
    });

    const result = await client({ maxResponseBytes: 64 * 1024, totalTimeoutMs: 3000 }).send(post(receiver.url));

    expect(result.errorClass).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(result.responseBody).toBe('a'.repeat(4096));
    expect(result.durationMs).toBeLessThan(2000);
    // We hung up mid-body: the server saw its socket close before it could finish.
    await vi.waitFor(() => expect(closedBeforeEnd).toBe(true));
  });

  it('reads a whole 1 MiB body only up to the cap and stays usable afterwards', async () => {
    const receiver = await startReceiver((req, res) => {
      if (req.url === '/small') res.writeHead(200).end('ok');
      else res.writeHead(200).end(Buffer.alloc(1024 * 1024, 'b'));
    });
    const c = client({ maxResponseBytes: 64 * 1024, storedResponseBytes: 100 });

    const big = await c.send(post(`${receiver.url}/big`));
    const small = await c.send(post(`${receiver.url}/small`));

    expect(big.errorClass).toBeNull();
    expect(big.responseBody).toBe('b'.repeat(100));
    expect(small.errorClass).toBeNull();
    expect(small.responseBody).toBe('ok');
  });

  describe('with allowPrivateTargets=false', () => {
    it('refuses a literal 127.0.0.1 before connecting', async () => {
      const receiver = await startReceiver((_req, res) => res.writeHead(200).end());

      const result = await client({ allowPrivateTargets: false }).send(post(receiver.url));

      expect(result.errorClass).toBe('forbidden_address');
      expect(result.statusCode).toBeNull();
      expect(receiver.connections).toBe(0);
    });

    it('refuses a name whose lookup answers 127.0.0.1, and the receiver sees nothing', async () => {
      const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
      const lookup = fakeLookup(['127.0.0.1']);

      const result = await client({ allowPrivateTargets: false, lookup }).send(
        post(`http://receiver.test:${receiver.port}/`),
      );

      expect(result.errorClass).toBe('forbidden_address');
      expect(result.statusCode).toBeNull();
      expect(lookup.calls).toEqual(['receiver.test']);
      expect(receiver.connections).toBe(0);
      expect(receiver.requests).toHaveLength(0);
    });

    it('refuses a name whose every address is private, whichever family', async () => {
      const lookup = fakeLookup(['10.0.0.5', '::1', '169.254.169.254']);

      const result = await client({ allowPrivateTargets: false, lookup }).send(post('http://internal.test/'));

      expect(result.errorClass).toBe('forbidden_address');
    });
  });

  it('with allowPrivateTargets=true connects to exactly the address the lookup returned', async () => {
    // 127.0.0.2 answers only because the lookup said so: the name itself resolves nowhere.
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end('hi'), '127.0.0.2');
    const lookup = fakeLookup(['127.0.0.2']);

    const result = await client({ allowPrivateTargets: true, lookup }).send(
      post(`http://receiver.test:${receiver.port}/in`),
    );

    expect(result.errorClass).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(lookup.calls).toEqual(['receiver.test']);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.localAddress).toBe('127.0.0.2');
    expect(receiver.requests[0]!.headers.host).toBe(`receiver.test:${receiver.port}`);
  });
});

describe('createGuardedLookup', () => {
  function run(lookup: LookupFunction, all: boolean): Promise<{ err: unknown; address: unknown; family?: number }> {
    return new Promise((resolve) => {
      lookup('mixed.test', { all, family: 0 }, (err, address, family) => resolve({ err, address, family }));
    });
  }

  it('hands on only the allowed addresses of a mixed answer', async () => {
    const guarded = createGuardedLookup(fakeLookup(['127.0.0.1', '93.184.216.34', 'fd00::1', '2606:4700::1111']), false);

    const { err, address } = await run(guarded, true);

    expect(err).toBeNull();
    expect(address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
  });

  it('answers a single-address query with the first allowed address', async () => {
    const guarded = createGuardedLookup(fakeLookup(['10.1.1.1', '93.184.216.34']), false);

    const { err, address, family } = await run(guarded, false);

    expect(err).toBeNull();
    expect(address).toBe('93.184.216.34');
    expect(family).toBe(4);
  });

  it('fails with a forbidden_address error when nothing is allowed', async () => {
    const guarded = createGuardedLookup(fakeLookup(['127.0.0.1', '::ffff:10.0.0.1']), false);

    const { err } = await run(guarded, true);

    expect(err).toMatchObject({ code: 'HOOKPOST_FORBIDDEN_ADDRESS' });
  });

  it('passes every address through when private targets are allowed', async () => {
    const guarded = createGuardedLookup(fakeLookup(['127.0.0.1', '10.0.0.1']), true);

    const { address } = await run(guarded, true);

    expect(address).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ]);
  });
});
