// The shape of a provider wire fixture (test/fixtures/<provider>-<case>.json) and the checks every
// case shares: the error a failed case must become, and the secrets no part of it may carry.
import { expect } from 'vitest';
import type { GenerateContentRequest } from '../../src/canonical/types.js';
import type { OpenAiImageOptions } from '../../src/canonical/openai-image-options.js';
import { GatewayError } from '../../src/canonical/errors.js';
import type { AnswerSummary } from './answer-summary.js';

export interface ExpectedFile {
  field: string;
  filename: string;
  mimeType: string;
  /** The file's bytes as base64. */
  data: string;
}

export interface WireCase {
  description: string;
  /** The model name the upstream knows. */
  model: string;
  /** The canonical request the provider is given. */
  request: GenerateContentRequest;
  /** OpenAI-only options an OpenAI door attaches to the request. */
  openAiOptions?: OpenAiImageOptions;
  expectedRequest: {
    method: string;
    path: string;
    contentType?: string;
    /** The JSON body the upstream must receive. */
    body?: unknown;
    /** Multipart fields in the order they are sent, and the files after them. */
    fields?: [string, string][];
    files?: ExpectedFile[];
  };
  /** What the upstream answers: `body` as JSON, `text` as it is, or the `.chunks.txt` stream. */
  answer: { status: number; headers: Record<string, string>; body?: unknown; text?: string };
  /** The parsed answer, summarised (tests/helpers/answer-summary.ts); `events` for a stream. */
  expected?: AnswerSummary & { events?: AnswerSummary[] };
  /** The full canonical answer, where it differs from the wire (non-Gemini providers). */
  expectedResponse?: unknown;
  expectedError?: Partial<
    Pick<
      GatewayError,
      'errorClass' | 'httpStatus' | 'message' | 'code' | 'status' | 'param' | 'retryAfterSeconds'
    >
  > & { details?: unknown[] };
  /** Text that must not appear anywhere in the error the case becomes (keys, tokens). */
  mustNotContain?: string[];
}

/** Checks a caught error against the case: its fields, and no secret in any of its words. */
export function expectCaseError(error: unknown, wireCase: WireCase): GatewayError {
  expect(error).toBeInstanceOf(GatewayError);
  const gatewayError = error as GatewayError;
  const { details, ...fields } = wireCase.expectedError ?? {};
  expect(gatewayError).toMatchObject(fields);
  if (details !== undefined) expect(gatewayError.details).toEqual(details);
  const everything = JSON.stringify({
    message: gatewayError.message,
    param: gatewayError.param,
    code: gatewayError.code,
    status: gatewayError.status,
    details: gatewayError.details,
    cause: gatewayError.cause instanceof Error ? gatewayError.cause.message : gatewayError.cause,
  });
  for (const secret of wireCase.mustNotContain ?? []) expect(everything).not.toContain(secret);
  return gatewayError;
}

export async function caughtFrom(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}
