// The state every simulator route shares, and the shape of one received call.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ActiveFaults, type FaultPlan, noFaults } from './faults.js';
import type { InteractionStore } from './gemini-interactions-store.js';
import type { HostedFiles } from './hosted-files.js';
import type { ModelList } from './model-list.js';
import type { ResponseStore } from './openai-responses-store.js';
import type { ParsedBody } from './parsed-body.js';

export interface SimContext {
  faults: FaultPlan;
  hostedFiles: HostedFiles;
  /** The ids each provider lists; any other id answers that provider's 404. */
  models: ModelList;
  /** When set, the only key (or bearer token) accepted. */
  apiKey?: string;
  log: (line: string) => void;
  /** Pad every answer image to about this many bytes (the `x-sim-image-bytes` header wins). */
  imageBytes?: number;
  /** When set, faults hit only requests made with one of these keys (others are served normally). */
  faultKeys?: ReadonlySet<string>;
  /** Responses API objects kept for GET, DELETE and previous_response_id. */
  responses: ResponseStore;
  /** Interactions API objects kept for GET, DELETE and previous_interaction_id. */
  interactions: InteractionStore;
}

/** Draws this request's faults, honouring `faultKeys`. */
export function drawFaults(context: SimContext, credential: string | undefined): ActiveFaults {
  if (context.faultKeys && (credential === undefined || !context.faultKeys.has(credential))) return noFaults;
  return context.faults.draw();
}

export interface SimCall {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  body: ParsedBody;
}
