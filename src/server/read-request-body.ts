// The JSON doors' body reader: one Buffer per request (src/http/collect-body.ts), with Fastify's own
// errors for a body over the limit or shorter than its Content-Length, so they render as before.
import { errorCodes } from 'fastify';
import { BodyTooLargeError, collectBody } from '../http/collect-body.js';
import { GatewayError } from '../canonical/errors.js';

export async function readRequestBody(
  payload: AsyncIterable<Uint8Array>,
  contentLength: string | undefined,
  limit: number,
  allocate?: (size: number) => Buffer,
  beforeMore?: (received: number) => Promise<void> | undefined,
): Promise<Buffer> {
  let body: Buffer;
  try {
    body = await collectBody(payload, {
      declaredLength: contentLength,
      limit,
      allocate,
      beforeMore,
    });
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    if (error instanceof GatewayError) throw error;
    throw Object.assign(error as Error, { statusCode: 400 });
  }
  if (contentLength !== undefined && body.length !== Number(contentLength)) {
    throw new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH();
  }
  return body;
}
