// A webhook receiver for benchmarks, run in its own process. A second port never answers (the
// sender's timeout ends those requests): hanging endpoints are another origin, as they would be; every other POST is answered 200 at once and counted. When a
// body's data carries `sent_at` (epoch ms with fractions), the receiver keeps the latency from
// that moment to the request's arrival. The parent talks over IPC: 'count', 'reset', 'latencies', 'stop'.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
let hung = 0;
let latencies: number[] = [];
const now = () => performance.timeOrigin + performance.now();

const hanging = createServer((request) => {
  hung += 1;
  request.resume();
});
hanging.keepAliveTimeout = 60_000;
const answer = (request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const arrived = now();
    received += 1;
    const text = Buffer.concat(chunks).toString();
    const at = text.indexOf('"sent_at":');
    if (at >= 0) latencies.push(arrived - Number.parseFloat(text.slice(at + 10)));
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
};
const server = createServer(answer);
// The same answers on another port: another origin, as another tenant's endpoint would be.
const other = createServer(answer);
for (const answering of [server, other]) {
  answering.keepAliveTimeout = 60_000;
  answering.headersTimeout = 0;
  answering.requestTimeout = 0;
}
server.listen(0, '127.0.0.1', () => {
  hanging.listen(0, '127.0.0.1', () => {
    other.listen(0, '127.0.0.1', () => {
      const port = (answering: typeof server) => (answering.address() as AddressInfo).port;
      process.send?.({ port: port(server), hangPort: port(hanging), otherPort: port(other) });
    });
  });
});
// If the benchmark dies, so does its receiver.
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ count: received, hung });
  if (message === 'reset') {
    received = 0;
    hung = 0;
    latencies = [];
    process.send?.({ count: 0, hung: 0 });
  }
  if (message === 'latencies') process.send?.({ count: received, latencies });
  if (message === 'stop') {
    server.closeAllConnections();
    hanging.closeAllConnections();
    hanging.close();
    other.closeAllConnections();
    other.close();
    server.close(() => process.exit(0));
  }
});
