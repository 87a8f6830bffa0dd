// The logger lives in src/security/logger.ts. This re-export serves src/cluster and src/scale until
// they become src/shared-state and import it from there; then this file goes.
export { createLogger, type Logger } from '../security/logger.js';
