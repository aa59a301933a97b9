import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

// Why the hand-offs have a port of their own, read between the engine's steps: a message to a
// busy thread waits for that thread's event loop to reach it, behind every callback of the turn
// under way (a claim, an outcome write, hundreds of responses). Beside another tenant's backlog
// of 100,000 due deliveries that wait was 6 to 16 ms at the median, most of the fresh tenant's
// extra publish-to-webhook latency (docs/performance.md, "Tenant isolation"). Taken from the port
// synchronously after each finished send and each claim, a hand-off waits for one step at most.

/**
 * The delivery thread's end of the hand-off port: gives every message (one hand-off) to `take`,
 * when its event loop reaches it or when `receive` is called first, whichever comes first.
 * Returns `receive`, which takes whatever has arrived, at once.
 */
export function receiveHandoffs<Message>(port: MessagePort, take: (message: Message) => void): () => void {
  port.on('message', take);
  return () => {
    for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) take(received.message as Message);
  };
}
