// The canonical request/response: Gemini v1beta shapes (names from @google/genai), camelCase,
// open-ended so unknown fields survive the trip to native upstreams.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Blob {
  mimeType: string;
  data: string; // base64
  [key: string]: unknown;
}

export interface Part {
  text?: string;
  inlineData?: Blob;
  fileData?: { mimeType?: string; fileUri: string; [key: string]: unknown };
  thought?: boolean;
  thoughtSignature?: string;
  [key: string]: unknown;
}

export interface Content {
  role?: string;
  parts?: Part[];
  [key: string]: unknown;
}

export interface ImageConfig {
  aspectRatio?: string;
  imageSize?: string;
  [key: string]: unknown;
}

export interface GenerationConfig {
  responseModalities?: string[];
  candidateCount?: number;
  imageConfig?: ImageConfig;
  [key: string]: unknown;
}

export interface GenerateContentRequest {
  contents: Content[];
  generationConfig?: GenerationConfig;
  safetySettings?: unknown[];
  systemInstruction?: Content;
  [key: string]: unknown;
}

export interface ModalityTokenCount {
  modality: string; // TEXT | IMAGE | AUDIO | VIDEO | DOCUMENT
  tokenCount: number;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  promptTokensDetails?: ModalityTokenCount[];
  candidatesTokensDetails?: ModalityTokenCount[];
  [key: string]: unknown;
}

export interface Candidate {
  content?: Content;
  finishReason?: string;
  finishMessage?: string;
  index?: number;
  safetyRatings?: unknown[];
  [key: string]: unknown;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; [key: string]: unknown };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  [key: string]: unknown;
}

/** The typed facts routing and billing need, derived once from a canonical request. */
export interface RequestSummary {
  inputImages: number;
  inputImageBytes: number;
  /** An image is asked for: an answer without one fails over (see summarize.ts). */
  wantsImage: boolean;
  /** The answer may carry images (and so must be held for): what the model does, not only what was asked. */
  mayReturnImage: boolean;
  aspectRatio?: string;
  imageSize?: string;
  candidateCount: number;
  promptChars: number;
}
