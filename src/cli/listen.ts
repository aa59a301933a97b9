import { createServer } from 'node:http';
import { verifyStandardWebhook } from '../core/signing.js';

/** Options of `hookpost listen`. */
export interface ListenOptions {
  port: number;
  host: string;
  secret?: string | undefined;
  status: number;
}

/**
 * `hookpost listen`: a local receiver that prints each webhook it gets and whether its
 * Standard Webhooks signature verifies with the given secret; answers with `status`.
 */
export function listen(options: ListenOptions, out: NodeJS.WritableStream = process.stdout): Promise<ReturnType<typeof createServer>> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verdict = options.secret
        ? verifyStandardWebhook(options.secret, request.headers, body, Math.floor(Date.now() / 1000))
          ? 'signature verified'
          : 'SIGNATURE INVALID'
        : 'signature not checked (no --secret)';
      const lines = [
        `── ${new Date().toISOString()} ${request.method} ${request.url}`,
        `   webhook-id: ${String(request.headers['webhook-id'] ?? '-')}   ${verdict}`,
        `   ${pretty(body)}`,
        '',
      ];
      out.write(lines.join('\n'));
      response.writeHead(options.status, { 'content-type': 'text/plain' }).end(options.status < 300 ? 'ok' : 'not ok');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      out.write(`Listening for webhooks on http://${options.host}:${port}/\n`);
      resolve(server);
    });
  });
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2).replace(/\n/g, '\n   ');
  } catch {
    return body;
  }
}
