// The contract every upstream provider implements: canonical request in, canonical response out.
import type { GenerateContentRequest, GenerateContentResponse } from '../canonical/types.js';

/** Everything one upstream attempt needs to know about where it goes. */
export interface UpstreamTarget {
  channelName: string;
  baseUrl: string;
  apiKey?: string;
  /** The model name the upstream knows (after the channel's modelMap). */
  upstreamModel: string;
  /** Provider-specific settings from the channel config (authStyle, vertex project…). */
  options: Record<string, unknown>;
  signal: AbortSignal;
  /** The client's exact JSON bytes when they equal the canonical request (native upstreams may send them). */
  rawRequestBody?: Buffer;
  /** The request's share of the gateway's memory: where a large answer is read into and counted. */
  memory?: UpstreamMemory;
  /** Takes a large answer while it arrives, once it shows an image (src/pipeline/answer-relay.ts). */
  relay?: UpstreamRelay;
}

/** What an upstream call may do with its request's memory (src/pipeline/memory-accounting.ts). */
export interface UpstreamMemory {
  /** Counts a large answer of `bytes` against the memory bound before it is read. */
  countAnswer(bytes: number): void;
  /** Where an answer of declared length is read into: a reused buffer when it is large (detachable). */
  readonly take: (size: number) => Buffer;
  /** The answer counted by countAnswer, once read: it is not counted again on its way out. */
  counted(answer: Buffer): void;
}

/** A door's offer to send an answer on while it is read; once begun, the attempt cannot fail over. */
export interface UpstreamRelay {
  readonly started: boolean;
  /** Bytes of the answer already written to the client (its image had begun: see answer-relay.ts). */
  readonly sentBytes: number;
  /** Sends the status and headers of an answer of `contentLength` bytes from `channel`. */
  begin(channel: string, contentLength: number): void;
  /** Sends the answer's bytes up to `end` that it has not sent yet. */
  sendUpTo(answer: Buffer, end: number): void;
  /**
   * True when an answer whose image string begins with `imageHead` (base64 text) must be read whole
   * instead (it may be an input image handed back, which fails over).
   */
  declines?(imageHead: Buffer): boolean;
}

/** One streamed event: the parsed response plus, for native upstreams, the exact JSON bytes it sent, as the pieces they arrived in. */
export interface UpstreamEvent {
  response: GenerateContentResponse;
  rawJson?: Buffer[];
}

export interface UpstreamResult {
  response: GenerateContentResponse;
  /** The upstream's exact body bytes when it spoke the Gemini wire (relayed unchanged when possible). */
  rawBody?: Buffer;
}

export interface Provider {
  generate(request: GenerateContentRequest, target: UpstreamTarget): Promise<UpstreamResult>;
  stream(request: GenerateContentRequest, target: UpstreamTarget): Promise<AsyncIterable<UpstreamEvent>>;
  countTokens?(request: GenerateContentRequest, target: UpstreamTarget): Promise<Record<string, unknown>>;
}
