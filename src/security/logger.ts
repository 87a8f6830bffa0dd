// Structured JSON logs on stderr (stdout belongs to command output). Secrets are redacted by path.
import pino, { type Logger } from 'pino';
import { withoutKnownSecrets } from './known-secrets.js';

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
      // Whatever a line carries (an error's cause, a message quoting an upstream), no configured
      // provider key or minted token is written.
      hooks: { streamWrite: withoutKnownSecrets },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
