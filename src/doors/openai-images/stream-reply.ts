// One sub-call's canonical stream → `image_generation.*` / `image_edit.*` frames: interim (thought)
// images become partial_image frames (up to `partial_images`), final images one completed frame each.
import type { GenerateContentResponse, UsageMetadata } from '../../canonical/types.js';
import {
  collectGeneratedImages,
  collectInterimImages,
  completedEvent,
  formatImagesStreamEvent,
  type GeneratedImage,
  type ImagesStreamKind,
  partialImageEvent,
} from './from-canonical.js';
import type { ImagesOutputOptions } from './to-canonical.js';
import { transcodeImage } from './transcode.js';
import { imagesUsageFromMetadata } from './usage.js';

export interface ImagesStreamOptions {
  kind: ImagesStreamKind;
  output: ImagesOutputOptions;
  /** The client's `partial_images` (0 = none). */
  partialImages: number;
  createdAt: number;
}

export class ImagesStreamAssembler {
  private partialsSent = 0;
  private readonly finals: GeneratedImage[] = [];

  constructor(private readonly options: ImagesStreamOptions) {}

  get finalImageCount(): number {
    return this.finals.length;
  }

  /** Frames to send at once for one upstream event; final images wait for the usage at the end. */
  async onEvent(response: GenerateContentResponse): Promise<string[]> {
    this.finals.push(...collectGeneratedImages([response]));
    const frames: string[] = [];
    for (const image of collectInterimImages(response)) {
      if (this.partialsSent >= this.options.partialImages) break;
      const encoded = await transcodeImage(
        image,
        this.options.output.format,
        this.options.output.compression,
      );
      const event = partialImageEvent({
        kind: this.options.kind,
        b64Json: encoded.data,
        partialImageIndex: this.partialsSent,
        createdAt: this.options.createdAt,
        output: this.options.output,
      });
      this.partialsSent += 1;
      frames.push(formatImagesStreamEvent(event));
    }
    return frames;
  }

  /** One completed frame per final image, each carrying this sub-call's usage. */
  async finish(usage: UsageMetadata | undefined): Promise<string[]> {
    const frames: string[] = [];
    for (const image of this.finals) {
      const encoded = await transcodeImage(
        image,
        this.options.output.format,
        this.options.output.compression,
      );
      const event = completedEvent({
        kind: this.options.kind,
        b64Json: encoded.data,
        createdAt: this.options.createdAt,
        output: this.options.output,
        usage: imagesUsageFromMetadata(usage),
      });
      frames.push(formatImagesStreamEvent(event));
    }
    return frames;
  }
}

/** OpenAI's stream error frame (the SDK throws on `event: error`). */
export function imagesStreamErrorFrame(body: unknown): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', ...(body as object) })}\n\n`;
}
