// Which upstream ids look like image models this gateway can route. A model list says nothing of
// output modalities (Gemini's Model has token limits and methods, OpenAI's only an id and dates), so
// discovery goes by the providers' naming, kept here as data; routing never reads it.
import type { ListedModel, ListingFamily } from '../providers/model-listing.js';

/** The providers' naming of image models that speak the wire this gateway calls. */
export const imageModelIdPatterns: Readonly<Record<ListingFamily, readonly RegExp[]>> = {
  // gemini-3.1-flash-image, gemini-3-pro-image-preview, gemini-nano-banana-2.1, nano-banana-pro-preview.
  // Imagen ids (imagen-4.0-…) use :predict, not generateContent, and are left out by their methods.
  gemini: [/(?:^|-)image(?:-|$)/, /(?:^|-)nano-banana(?:-|$)/],
  // gpt-image-2.6-flare, gpt-image-1-mini, chatgpt-image-latest.
  openai: [/^gpt-image(?:-|$)/, /^chatgpt-image(?:-|$)/],
};

/** The Gemini method the gateway calls; a model without it (when the list names methods) is not routable. */
const geminiCallMethod = 'generateContent';

export function looksLikeImageModel(family: ListingFamily, model: ListedModel): boolean {
  if (family === 'gemini' && model.methods !== undefined && !model.methods.includes(geminiCallMethod)) {
    return false;
  }
  return imageModelIdPatterns[family].some((pattern) => pattern.test(model.upstreamId));
}
