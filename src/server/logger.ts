// Structured JSON logs on stderr (stdout belongs to command output). Secrets are redacted by path.
// Lines are written synchronously, one write() each, as pino does by default: an asynchronous
// destination hands every line to libuv's thread pool, whose thread then wakes the event loop again,
// two cross-thread wake-ups per request that cost more than the write itself (docs/performance.md).
// A line is never lost to a crash either.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.IMAGEGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'imagegate' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-goog-api-key"]',
          'apiKey',
          'apiKeys',
          'key',
          '*.apiKey',
          '*.apiKeys',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
