// The two parts of undici the outbound client uses: its Agent and its `request`. Importing the
// package loads all of it (fetch, WebSocket, EventSource, mocks, caches, interceptors): about
// 4.8 MB of heap and 190-260 ms of CPU in a fresh thread, against 1.7 MB and 65 ms for these two
// (docs/performance.md, "Start-up and memory"). The delivery thread starts with every
// `hookpost serve`, so it loads only these. They are the same modules the package's index
// exports (Node caches each file once), so errors and types are undici's own.
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

/** undici's Agent: a keep-alive pool per origin. */
export const Agent: typeof UndiciAgent = require('undici/lib/dispatcher/agent.js');

const undiciRequest: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> = require('undici/lib/api/api-request.js');

/**
 * `agent.request(options)`: the package's index copies `request` onto every dispatcher's
 * prototype, which loading only the Agent does not.
 */
export function request(agent: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return undiciRequest.call(agent, options);
}
