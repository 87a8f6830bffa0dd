// `n` on the OpenAI doors: n independent pipeline calls (request ids `<id>-0` … `<id>-<n-1>`, or
// `<id>` when n is 1), run in parallel. Each call has its own request log row, hold and settlement,
// so a failed call is never billed and the merged answer carries only what succeeded.
import type { RequestSummary, UsageMetadata } from '../../canonical/types.js';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import type { DispatchResult, DispatchStream } from '../../routing/dispatch.js';
import { asGatewayError, shouldFailOver } from '../../routing/failover-policy.js';
import { countImages } from '../../routing/response-outcome.js';
import {
  type GenerationCall,
  type GenerationDeps,
  openStream,
  prepareCall,
  recordCall,
  runUnary,
} from '../../pipeline/generation.js';
import type { UpstreamEvent } from '../../providers/types.js';
import { renameParam } from './render-error.js';

export interface SubCall {
  call: GenerationCall;
  summary: RequestSummary;
}

/** The id of sub-call `index` of `count`: the request id itself when there is only one. */
export function subCallId(requestId: string, index: number, count: number): string {
  return count === 1 ? requestId : `${requestId}-${index}`;
}

/**
 * Validates and prepares n calls of the same request before any upstream call; a validation error
 * is thrown once, with its field renamed to the door's own (`paramNames`).
 */
export function prepareSubCalls(
  gateway: GenerationDeps,
  base: Omit<GenerationCall, 'requestId'>,
  requestId: string,
  count: number,
  paramNames: Readonly<Record<string, string>>,
): SubCall[] {
  const subCalls: SubCall[] = [];
  for (let index = 0; index < count; index += 1) {
    const call: GenerationCall = { ...base, requestId: subCallId(requestId, index, count) };
    try {
      subCalls.push({ call, summary: prepareCall(gateway, call) });
    } catch (error) {
      throw renameParam(error, paramNames);
    }
  }
  return subCalls;
}

export interface FanOutResult {
  /** Fulfilled calls, in sub-call order. */
  succeeded: DispatchResult[];
  failures: GatewayError[];
}

export async function runSubCalls(
  gateway: GenerationDeps,
  subCalls: readonly SubCall[],
): Promise<FanOutResult> {
  const settled = await Promise.allSettled(
    subCalls.map((subCall) => runUnary(gateway, subCall.call, subCall.summary)),
  );
  const succeeded: DispatchResult[] = [];
  const failures: GatewayError[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') succeeded.push(outcome.value);
    else failures.push(asGatewayError(outcome.reason));
  }
  return { succeeded, failures };
}

export interface OpenedSubStream {
  subCall: SubCall;
  index: number;
  stream: DispatchStream;
}

/** Opens every sub-call's stream; the ones that failed before their first event are logged and returned. */
export async function openSubStreams(
  gateway: GenerationDeps,
  subCalls: readonly SubCall[],
): Promise<{ opened: OpenedSubStream[]; failures: GatewayError[] }> {
  const settled = await Promise.allSettled(
    subCalls.map((subCall) => openStream(gateway, subCall.call, subCall.summary)),
  );
  const opened: OpenedSubStream[] = [];
  const failures: GatewayError[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled')
      opened.push({ subCall: subCalls[index], index, stream: outcome.value });
    else failures.push(asGatewayError(outcome.reason));
  });
  return { opened, failures };
}

export interface ConsumedStream {
  usage?: UsageMetadata;
  /** Final images the upstream sent. */
  imagesOut: number;
  /** Images (partial ones too) that went out to the client: what a failed call is charged for. */
  imagesSent: number;
  error?: GatewayError;
}

/**
 * Reads one opened stream to its end, handing each event on (`onEvent` answers how many images it
 * put on the wire), lets `finish` write the closing frames (again answering with the images among
 * them), then writes the call's request log row and settles it: images that went out are charged
 * even when the stream broke or the client left after them.
 */
export async function consumeSubStream(
  gateway: GenerationDeps,
  opened: OpenedSubStream,
  onEvent: (event: UpstreamEvent) => Promise<number>,
  finish?: (consumed: ConsumedStream) => Promise<number>,
): Promise<ConsumedStream> {
  const { call } = opened.subCall;
  const result: ConsumedStream = { imagesOut: 0, imagesSent: 0 };
  try {
    for await (const event of opened.stream.events) {
      if (event.response.usageMetadata) result.usage = event.response.usageMetadata;
      result.imagesOut += countImages(event.response);
      result.imagesSent += await onEvent(event);
    }
  } catch (error) {
    result.error = asGatewayError(error);
    gateway.logger.warn(
      { requestId: call.requestId, errorClass: result.error.errorClass },
      'stream failed after start',
    );
  }
  if (finish) result.imagesSent += await finish(result);
  await recordCall(gateway, call, {
    status: result.error ? result.error.httpStatus : 200,
    errorClass: result.error?.errorClass,
    channel: opened.stream.channel,
    attempts: opened.stream.attempts,
    usage: result.usage,
    imagesOut: result.error ? result.imagesSent : result.imagesOut,
  });
  return result;
}

/**
 * The error to answer with when nothing succeeded: the caller's own answer first (a failure that does
 * not fail over: a mistake, a block), else the first.
 */
export function mostTellingFailure(failures: readonly GatewayError[]): GatewayError {
  const final = failures.find((failure) => !shouldFailOver(failure));
  return final ?? failures[0] ?? errorCatalogue.NO_CALL_MADE();
}
