// The state every simulator route shares, and the shape of one received call.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlan } from './faults.js';
import type { HostedFiles } from './hosted-files.js';
import type { ParsedBody } from './parsed-body.js';

export interface SimContext {
  faults: FaultPlan;
  hostedFiles: HostedFiles;
  /** When set, the only key (or bearer token) accepted. */
  apiKey?: string;
  log: (line: string) => void;
}

export interface SimCall {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  body: ParsedBody;
}
