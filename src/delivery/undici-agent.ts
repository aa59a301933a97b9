// The one part of undici the outbound client uses: its Agent, to which it dispatches each send
// with a handler of its own (outbound.ts, ResponsePrefix) rather than undici's `request()`.
// Importing the package loads all of it (fetch, WebSocket, EventSource, mocks, caches,
// interceptors): about 4.8 MB of heap and 190-260 ms of CPU in a fresh thread, against 1.7 MB
// and 65 ms for the Agent and `request` (docs/performance.md, "Start-up and memory"). The
// delivery thread starts with every `hookpost serve`, so it loads only this. It is the same
// module the package's index exports (Node caches each file once), so errors and types are
// undici's own.
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent } from 'undici';

const require = createRequire(import.meta.url);

/** undici's Agent: a keep-alive pool per origin. */
export const Agent: typeof UndiciAgent = require('undici/lib/dispatcher/agent.js');
