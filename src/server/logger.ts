// Structured JSON logs on stderr (stdout belongs to command output). Secrets are redacted by path.
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
    pino.destination({ fd: 2, sync: false }),
  );
}
