// The errors the dispatcher itself raises when routes give it nothing to return: no image, an
// unedited image, every key resting, the client gone, no route left. Pure.
import { GatewayError } from '../canonical/errors.js';
import type { GenerateContentResponse } from '../canonical/types.js';
import type { RouteChannel } from './channel.js';
import type { KeyState } from './key-pool.js';

export function noImageError(channel: string, response: GenerateContentResponse): GatewayError {
  const finishReason = response.candidates?.[0]?.finishReason ?? 'none';
  return new GatewayError({
    errorClass: 'no_image',
    httpStatus: 502,
    message: `Upstream channel "${channel}" answered without an image (finishReason ${finishReason}).`,
  });
}

/** An edit answered with one of its own input images: no edit was made, so another route may do better. */
export function uneditedError(channel: string): GatewayError {
  return new GatewayError({
    errorClass: 'semantic_fail',
    httpStatus: 502,
    code: 'unedited_image',
    message: `Upstream channel "${channel}" returned the input image unchanged instead of an edited one.`,
  });
}

/**
 * Every key of a channel is resting. Keys the upstream rejected are the channel's broken
 * credentials (a 502 like the rejection itself), never the caller's rate limit.
 */
export function exhaustedKeysError(channel: string, keyStates: readonly KeyState[]): GatewayError {
  if (keyStates.every((state) => state.reason === 'auth')) {
    return new GatewayError({
      errorClass: 'auth',
      httpStatus: 502,
      message: `Upstream channel "${channel}" rejected its credentials: every API key of the channel is out of service until the keys are fixed.`,
      code: 'upstream_auth',
    });
  }
  return new GatewayError({
    errorClass: 'quota',
    httpStatus: 429,
    message: `Every API key of channel "${channel}" is resting after quota or auth failures.`,
    retryAfterSeconds: 60,
  });
}

export function clientGoneError(): GatewayError {
  return new GatewayError({
    errorClass: 'bad_request',
    httpStatus: 499,
    message: 'The client closed the request.',
  });
}

/**
 * Every route serving the model answered, or was seen answering, NOT_FOUND for it or left it out of
 * its model list: the upstreams no longer serve it. Told about the model, in the gateway's words.
 */
export function modelGoneError(modelId: string, channels: readonly string[]): GatewayError {
  return new GatewayError({
    errorClass: 'model_gone',
    httpStatus: 404,
    status: 'NOT_FOUND',
    code: 'model_gone',
    param: 'model',
    message: `Model "${modelId}" is not available: its upstreams (channels ${channels.join(', ')}) no longer serve it. Choose another model from this gateway's model list, or ask the gateway admin to run \`imagegate models sync\` and route it elsewhere.`,
  });
}

/** No route left to plan: every serving route is gone upstream, or none is open right now. */
export function noRouteError(
  modelId: string,
  channels: readonly RouteChannel[],
  isGone?: (channel: string, model: string) => boolean,
): GatewayError {
  const serving = channels
    .filter((channel) => channel.models.includes(modelId))
    .map((channel) => channel.name);
  const gone = isGone ? serving.filter((channel) => isGone(channel, modelId)) : [];
  if (serving.length > 0 && gone.length === serving.length) return modelGoneError(modelId, gone);
  return noChannelError(modelId, channels);
}

export function noChannelError(modelId: string, channels: readonly RouteChannel[]): GatewayError {
  const serving = channels
    .filter((channel) => channel.models.includes(modelId))
    .map((channel) => channel.name);
  return new GatewayError({
    errorClass: 'no_channel',
    httpStatus: 503,
    status: 'UNAVAILABLE',
    message:
      serving.length === 0
        ? `No channel is configured to serve model "${modelId}". Add it to a channel's models in the config.`
        : `Every channel serving "${modelId}" (${serving.join(', ')}) is failing right now (circuit open); retry shortly.`,
    retryAfterSeconds: serving.length === 0 ? undefined : 30,
  });
}
