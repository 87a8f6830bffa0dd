// The offline engine's input and output, independent of any wire format.

export interface EngineImage {
  data: Buffer;
  mimeType: string;
  /** From the header, when read before decoding (to reserve pixel memory). */
  width?: number;
  height?: number;
}

export interface EngineInput {
  /** The user's instruction (all text parts joined with newlines). */
  instruction: string;
  /** Input images in request order (may be empty: text-to-image). */
  images: EngineImage[];
  /** Gemini imageConfig.aspectRatio, e.g. "16:9" (optional). */
  aspectRatio?: string;
  /** Gemini imageConfig.imageSize: "512" | "1K" | "2K" (optional). */
  imageSize?: string;
}

export type EngineResult =
  | {
      kind: 'image';
      image: Buffer;
      mimeType: 'image/png';
      width: number;
      height: number;
      description: string;
    }
  | { kind: 'no_image'; reason: string };
