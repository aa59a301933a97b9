import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HookpostError } from '../core/errors.js';
import { secretKey, verifyStandardWebhook } from '../core/signing.js';

/** Options of `hookpost listen`. */
export interface ListenOptions {
  port: number;
  host: string;
  secret?: string | undefined;
  status: number;
}

// A webhook is small; a bigger body is refused rather than held in memory.
const MAX_BODY_BYTES = 1024 * 1024;

/** Exit code of a command refused for its arguments (as for an unusable setting). */
export const USAGE_EXIT_CODE = 2;

/**
 * `hookpost listen` as the command line runs it: a secret that no subscription could have is
 * refused before anything listens, with one line on stderr and exit code 2.
 */
export async function listenCommand(options: ListenOptions): Promise<void> {
  const problem = options.secret === undefined ? null : secretProblem(options.secret);
  if (problem) {
    process.stderr.write(`hookpost listen: --secret ${problem}\n`);
    process.exitCode = USAGE_EXIT_CODE;
    return;
  }
  await listen(options);
}

/** Why `secret` cannot verify Standard Webhooks signatures, or null when it can. */
export function secretProblem(secret: string): string | null {
  try {
    secretKey(secret);
    return null;
  } catch (error) {
    const detail = error instanceof HookpostError ? (error.details as { message: string }[] | undefined)?.[0]?.message : undefined;
    return `${detail ?? 'is not a whsec_ secret'} (use the "secret" a subscription answered with)`;
  }
}

/**
 * `hookpost listen`: a local receiver that prints each webhook it gets and whether its
 * Standard Webhooks signature verifies with the given secret; answers with `status`. Whatever a
 * request holds (odd headers, a broken or oversized body, a dropped connection), it answers or
 * drops that request and keeps listening.
 */
export function listen(options: ListenOptions, out: NodeJS.WritableStream = process.stdout): Promise<Server> {
  if (options.secret !== undefined) secretKey(options.secret); // refuse a secret that cannot verify anything before listening
  const server = createServer((request, response) => receive(options, out, request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', (error) => out.write(`── listener error: ${error.message}\n`));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      out.write(`Listening for webhooks on http://${options.host}:${port}/\n`);
      resolve(server);
    });
  });
}

function receive(options: ListenOptions, out: NodeJS.WritableStream, request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('error', () => response.destroy());
  response.on('error', () => undefined);
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    try {
      if (size > MAX_BODY_BYTES) {
        out.write(`── ${new Date().toISOString()} ${request.method} ${request.url}: body of ${size} bytes refused (over ${MAX_BODY_BYTES})\n\n`);
        response.writeHead(413, { 'content-type': 'text/plain' }).end('too large');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const lines = [
        `── ${new Date().toISOString()} ${request.method} ${request.url}`,
        `   webhook-id: ${String(request.headers['webhook-id'] ?? '-')}   ${verdict(options.secret, request, body)}`,
        `   ${pretty(body)}`,
        '',
      ];
      out.write(lines.join('\n'));
      response.writeHead(options.status, { 'content-type': 'text/plain' }).end(options.status < 300 ? 'ok' : 'not ok');
    } catch (error) {
      out.write(`── could not handle a request: ${(error as Error).message}\n\n`);
      if (!response.headersSent) response.writeHead(400, { 'content-type': 'text/plain' });
      response.end('bad request');
    }
  });
}

function verdict(secret: string | undefined, request: IncomingMessage, body: string): string {
  if (!secret) return 'signature not checked (no --secret)';
  return verifyStandardWebhook(secret, request.headers, body, Math.floor(Date.now() / 1000)) ? 'signature verified' : 'SIGNATURE INVALID';
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2).replace(/\n/g, '\n   ');
  } catch {
    return body;
  }
}
