import pino, { type Logger } from 'pino';

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
    return pino(options, pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } }));
  }
  return pino(options);
}
