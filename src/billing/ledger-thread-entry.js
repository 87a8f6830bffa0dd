// Entry of the ledger thread (src/billing/ledger-thread.ts). The sources are TypeScript, run
// through tsx as bin/imagegate.js runs them; a worker starts with no loader of its own.
import { register } from 'tsx/esm/api';

register();
await import('./ledger-thread-worker.ts');
