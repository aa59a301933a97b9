// The latency harness floor: a stand-in for Hookpost that forwards each publish's body to the
// receiver at once (no storage, no queue) and answers 202 after the forward. Argument: receiver URL.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const target = new URL(process.argv[2]!);
const pool = new Pool(target.origin, { connections: 64 });
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    pool
      .request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
      .then((answer) => answer.body.dump())
      .finally(() => response.writeHead(202).end());
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
