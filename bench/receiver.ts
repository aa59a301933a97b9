// A webhook receiver for benchmarks, run in its own process: answers 200 at once and counts.
// The parent asks for the count over IPC ('count' → number).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
// If the benchmark dies, so does its receiver.
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ count: received });
  if (message === 'reset') {
    received = 0;
    process.send?.({ count: 0 });
  }
  if (message === 'stop') server.close(() => process.exit(0));
});
