// The comparison sender: a BullMQ worker (Redis on 127.0.0.1:6379) that POSTs each job's data
// to the receiver with undici, 64 at a time. Argument: queue name, receiver URL.
import { Worker } from 'bullmq';
import { Pool } from 'undici';

const [queueName, url] = process.argv.slice(2) as [string, string];
const target = new URL(url);
const pool = new Pool(target.origin, { connections: 64 });
const worker = new Worker(
  queueName,
  async (job) => {
    const response = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'bench.order', timestamp: new Date().toISOString(), data: job.data }),
    });
    await response.body.dump();
    if (response.statusCode >= 300) throw new Error(`status ${response.statusCode}`);
  },
  { connection: { host: '127.0.0.1', port: 6379 }, concurrency: 64 },
);
worker.on('ready', () => process.send?.('ready'));
process.on('disconnect', () => void worker.close().then(() => pool.close()).finally(() => process.exit(0)));
