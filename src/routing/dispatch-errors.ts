// The errors the dispatcher itself raises when routes give it nothing to return: no image, an
// unedited image, every key resting, the client gone, no route left. Pure.
import type { GatewayError } from '../canonical/errors.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { GenerateContentResponse } from '../canonical/types.js';
import type { RouteChannel } from './channel.js';
import type { KeyState } from './key-pool.js';

export function noImageError(channel: string, response: GenerateContentResponse): GatewayError {
  const finishReason = response.candidates?.[0]?.finishReason ?? 'none';
  return errorCatalogue.ROUTE_NO_IMAGE(channel, finishReason);
}

/** An edit answered with one of its own input images: no edit was made, so another route may do better. */
export function uneditedError(channel: string): GatewayError {
  return errorCatalogue.UNEDITED_IMAGE(channel);
}

/**
 * Every key of a channel is resting. Keys the upstream rejected are the channel's broken
 * credentials (a 502 like the rejection itself), never the caller's rate limit.
 */
export function exhaustedKeysError(channel: string, keyStates: readonly KeyState[]): GatewayError {
  if (keyStates.every((state) => state.reason === 'auth')) {
    return errorCatalogue.UPSTREAM_AUTH(
      `Upstream channel "${channel}" rejected its credentials: every API key of the channel is out of service until the keys are fixed.`,
    );
  }
  return errorCatalogue.KEYS_RESTING(channel);
}

export function clientGoneError(): GatewayError {
  return errorCatalogue.CLIENT_GONE();
}

/**
 * Every route serving the model answered, or was seen answering, NOT_FOUND for it or left it out of
 * its model list: the upstreams no longer serve it. Told about the model, in the gateway's words.
 */
export function modelGoneError(modelId: string, channels: readonly string[]): GatewayError {
  return errorCatalogue.MODEL_GONE(modelId, channels);
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
  return serving.length === 0
    ? errorCatalogue.NO_CHANNEL(
        `No channel is configured to serve model "${modelId}". Add it to a channel's models in the config.`,
      )
    : errorCatalogue.NO_CHANNEL(
        `Every channel serving "${modelId}" (${serving.join(', ')}) is failing right now (circuit open); retry shortly.`,
        30,
      );
}
