import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

// Never log credentials, secrets or signatures, wherever they appear in a logged object.
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  '*.secret',
  'secret',
  '*.sealedSecret',
  '*.adminToken',
  '*.token',
  '*["webhook-signature"]',
];

/** JSON logs by default; human-readable when stdout is a terminal. */
export function createLogger(level: string): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (process.stdout.isTTY) {
    return pino(options, prettyOnTerminal());
  }
  return pino(options);
}

// Pretty lines are made here, synchronously, rather than through pino.transport, which runs
// pino-pretty on a worker thread of its own: a third V8 isolate beside the API's and the delivery
// thread's, about 15 MB of RSS, for the few lines a server writes (requests are not logged).
// Writes to a terminal are synchronous on Linux and macOS, so no line is lost at process.exit.
function prettyOnTerminal(): DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const pretty = prettyFactory({ colorize: true, translateTime: 'HH:MM:ss.l' });
  return { write: (line: string) => void process.stdout.write(pretty(line)) };
}
