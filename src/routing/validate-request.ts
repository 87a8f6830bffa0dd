// Checks a request against its model's catalog entry and the caller's key before any upstream call:
// access (allowed models, controlled opt-in, disabled) and capabilities (ratio, size, counts, bytes).
import type { CatalogModel, ModelCatalog } from '../catalog/catalog.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { RequestSummary } from '../canonical/types.js';

export interface CallerAccess {
  models: string[] | null;
  controlled: boolean;
}

/**
 * Whether a key limited to `allowed` ids may call this: the id it named, the model serving it, or a
 * model that succeeds an allowed one (a key allowed a preview id may call its GA id).
 */
export function allowsModel(
  allowed: readonly string[],
  call: { served: CatalogModel; requested: CatalogModel },
  catalog: ModelCatalog,
): boolean {
  if (allowed.includes(call.requested.id) || allowed.includes(call.served.id)) return true;
  return allowed.some((id) => {
    const model = catalog.resolve(id);
    return model !== undefined && catalog.successorsOf(model).some((next) => next.id === call.served.id);
  });
}

export function checkModelAccess(
  call: { served: CatalogModel; requested: CatalogModel },
  caller: CallerAccess,
  catalog: ModelCatalog,
  recommended: string | undefined,
): void {
  const model = call.served;
  const instead = recommended && recommended !== model.id ? ` Use "${recommended}" instead.` : '';
  if (model.status === 'disabled' || call.requested.status === 'disabled') {
    throw errorCatalogue.PERMISSION_DENIED(
      `Model "${call.requested.id}" is disabled on this gateway.${instead}`,
      'model',
    );
  }
  if (caller.models && !allowsModel(caller.models, call, catalog)) {
    throw errorCatalogue.PERMISSION_DENIED(
      `This API key may not call "${call.requested.id}"; it is limited to: ${caller.models.join(', ')}.${instead}`,
      'model',
    );
  }
  if (model.status === 'controlled' && !caller.controlled) {
    throw errorCatalogue.PERMISSION_DENIED(
      `Model "${model.id}" is in controlled testing and only callable by keys that opted in (imagegate keys create --controlled).${instead}`,
      'model',
    );
  }
}

/** Field paths are given in the Gemini door's camelCase; other doors map them to their own names. */
export function checkCapabilities(model: CatalogModel, summary: RequestSummary, payloadBytes: number): void {
  const capabilities = model.capabilities;
  if (summary.aspectRatio !== undefined && !capabilities.aspectRatios.includes(summary.aspectRatio)) {
    throw errorCatalogue.INVALID_VALUE(
      `imageConfig.aspectRatio "${summary.aspectRatio}" is not supported by ${model.id}. Allowed values: ${capabilities.aspectRatios.join(', ')}.`,
      'generationConfig.imageConfig.aspectRatio',
    );
  }
  if (summary.imageSize !== undefined) {
    if (capabilities.imageSizes.length === 0) {
      throw errorCatalogue.INVALID_VALUE(
        `imageConfig.imageSize is not supported by ${model.id} (it has a fixed output size); remove imageSize.`,
        'generationConfig.imageConfig.imageSize',
      );
    }
    if (!capabilities.imageSizes.includes(summary.imageSize)) {
      throw errorCatalogue.INVALID_VALUE(
        `imageConfig.imageSize "${summary.imageSize}" is not supported by ${model.id}. Allowed values: ${capabilities.imageSizes.join(', ')} (uppercase K).`,
        'generationConfig.imageConfig.imageSize',
      );
    }
  }
  if (summary.candidateCount > capabilities.maxCandidateCount) {
    throw errorCatalogue.INVALID_VALUE(
      `generationConfig.candidateCount ${summary.candidateCount} is more than ${model.id} allows (${capabilities.maxCandidateCount}). Send several requests instead (the OpenAI door's n does this for you).`,
      'generationConfig.candidateCount',
    );
  }
  if (summary.inputImages > capabilities.maxInputImages) {
    throw errorCatalogue.INVALID_VALUE(
      `${summary.inputImages} input images is more than ${model.id} accepts (${capabilities.maxInputImages}).`,
      'contents',
    );
  }
  if (payloadBytes > capabilities.maxPayloadBytes) {
    throw errorCatalogue.PAYLOAD_TOO_LARGE_FOR_MODEL(
      `The request is ${payloadBytes} bytes; ${model.id} accepts at most ${capabilities.maxPayloadBytes} bytes inline. Send smaller images.`,
    );
  }
}
