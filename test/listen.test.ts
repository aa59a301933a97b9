import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/server.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/hookpost.js');

/** Sends raw bytes on a TCP connection and resolves with whatever comes back before it closes. */
function rawExchange(port: number, bytes: string | Buffer, options: { endAfterWrite?: boolean; destroyAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.write(bytes);
    if (options.endAfterWrite !== false) socket.end();
    if (options.destroyAfterMs !== undefined) setTimeout(() => socket.destroy(), options.destroyAfterMs);
  });
}

describe('hookpost listen', () => {
  it.each([
    ['the README placeholder', 'whsec_…'],
    ['a key too short', `whsec_${randomBytes(8).toString('base64')}`],
    ['a key too long', `whsec_${randomBytes(100).toString('base64')}`],
    ['no prefix', randomBytes(32).toString('base64')],
  ])('refuses %s at start with one line and exit code 2', async (_what, secret) => {
    const failure = await run(process.execPath, [BIN, 'listen', '--port', '0', '--secret', secret]).catch((error) => error);
    expect(failure.code).toBe(2);
    const lines = String(failure.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hookpost listen: --secret .*whsec_/);
    expect(failure.stdout).not.toContain('Listening');
  });

  describe('a running receiver', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    let child: ChildProcess;
    let output = '';
    let port: number;

    beforeAll(async () => {
      child = spawn(process.execPath, [BIN, 'listen', '--port', '0', '--secret', secret], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const match = await eventually(() => /Listening for webhooks on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output) ?? undefined, 30_000, 'listen to start');
      port = Number(match[1]);
    });
    afterAll(() => {
      child.kill('SIGKILL');
    });

    const post = (headers: Record<string, string | string[]>, body: string | Buffer) =>
      request(`http://127.0.0.1:${port}/hooks`, { method: 'POST', headers, body }).then(async (answer) => ({ status: answer.statusCode, text: await answer.body.text() }));

    it('survives hostile requests, answering each or dropping it, and still verifies a good webhook after them', async () => {
      const hostile: (() => Promise<unknown>)[] = [
        () => post({ 'webhook-id': 'x', 'webhook-timestamp': 'not a number', 'webhook-signature': 'v1,AAAA' }, '{}'),
        () => post({ 'webhook-id': 'x', 'webhook-timestamp': '99999999999999999999', 'webhook-signature': 'nonsense' }, '{}'),
        () => post({ 'webhook-id': ['a', 'b'], 'webhook-signature': ['v1,x', 'v1a,y'], 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, 'x'),
        () => post({ 'content-type': 'application/json' }, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28])),
        () => post({}, '['.repeat(200_000)),
        () => post({}, '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)),
        () => post({}, Buffer.alloc(3 * 1024 * 1024, 'a')),
        () => rawExchange(port, 'GARBAGE\r\n\r\n'),
        () => rawExchange(port, 'POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial', { endAfterWrite: false, destroyAfterMs: 50 }),
        () => rawExchange(port, 'POST /hooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbroken\r\n0\r\n\r\n'),
        () => rawExchange(port, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
        () => rawExchange(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00])), // a TLS hello on plain HTTP
      ];
      for (const send of hostile) await send().catch(() => undefined);
      expect(child.exitCode).toBeNull();
      expect(output).not.toMatch(/Uncaught|TypeError|RangeError|node:internal/);

      const body = JSON.stringify({ type: 'ping', timestamp: new Date().toISOString(), data: { n: 1 } });
      const id = `msg_${randomBytes(6).toString('hex')}`;
      const timestamp = new Date();
      const signature = new Webhook(secret).sign(id, timestamp, body);
      const good = await post({ 'webhook-id': id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature }, body);
      expect(good.status).toBe(200);
      await eventually(() => (output.includes(`webhook-id: ${id}   signature verified`) ? true : undefined), 10_000, 'the verified webhook to be printed');
      expect(child.exitCode).toBeNull();
    });

    it('refuses a body over 1 MiB with 413 and prints that it did', async () => {
      const answer = await post({}, Buffer.alloc(2 * 1024 * 1024, 'b'));
      expect(answer.status).toBe(413);
      await eventually(() => (output.includes('refused (over 1048576)') ? true : undefined), 10_000, 'the refusal line');
    });
  });
});
