// What a canonical answer says, in the few words a fixture spells out: each part as its text or as
// the image its bytes decode to, thought flags and signatures, finish and block reasons, usage.
import type { GenerateContentResponse, Part } from '../../src/canonical/types.js';
import { pngSize } from './recording-upstream.js';

export interface PartSummary {
  text?: string;
  /** `image/png 12x12`: the mime type and the size read from the decoded bytes. */
  image?: string;
  url?: string;
  thought?: true;
  thoughtSignature?: string;
}

export interface AnswerSummary {
  candidates?: Array<{ index?: number; finishReason?: string; parts: PartSummary[] }>;
  blockReason?: string;
  usageMetadata?: GenerateContentResponse['usageMetadata'];
}

function partSummary(part: Part): PartSummary {
  const summary: PartSummary = {};
  if (part.text !== undefined) summary.text = part.text;
  if (part.inlineData) {
    const { width, height } = pngSize(part.inlineData.data);
    summary.image = `${part.inlineData.mimeType} ${width}x${height}`;
  }
  if (part.fileData) summary.url = part.fileData.fileUri;
  if (part.thought === true) summary.thought = true;
  if (part.thoughtSignature !== undefined) summary.thoughtSignature = part.thoughtSignature;
  return summary;
}

export function summarizeAnswer(response: GenerateContentResponse): AnswerSummary {
  const summary: AnswerSummary = {};
  if (response.candidates) {
    summary.candidates = response.candidates.map((candidate) => {
      const entry: NonNullable<AnswerSummary['candidates']>[number] = {
        parts: (candidate.content?.parts ?? []).map(partSummary),
      };
      if (candidate.index !== undefined) entry.index = candidate.index;
      if (candidate.finishReason !== undefined) entry.finishReason = candidate.finishReason;
      return entry;
    });
  }
  if (response.promptFeedback?.blockReason) summary.blockReason = response.promptFeedback.blockReason;
  if (response.usageMetadata) summary.usageMetadata = response.usageMetadata;
  return summary;
}
