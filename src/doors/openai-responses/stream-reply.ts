// One canonical stream → OpenAI's Responses stream events in the documented order, each with a
// rising `sequence_number`: created, in_progress, the image call (added, in_progress, generating,
// partial_image…, completed, done), the message (added, content_part, output_text, done), completed.
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { GenerateContentResponse, UsageMetadata } from '../../canonical/types.js';
import {
  collectGeneratedImages,
  collectInterimImages,
  type GeneratedImage,
} from '../openai-images/from-canonical.js';
import { transcodeImage } from '../openai-images/transcode.js';
import {
  answerText,
  completedImageCall,
  completedResponse,
  itemId,
  messageItem,
  type OutputItem,
  pendingImageCall,
  type ResponseMeta,
  type ResponseObject,
  responseShell,
} from './from-canonical.js';
import type { ResponsesImageOptions } from './to-canonical.js';

export interface ResponsesStreamOptions {
  image?: ResponsesImageOptions;
  prompt: string;
  /** Whether an image of the conversation was there to edit (reported as the call's `action`). */
  edited: boolean;
}

/** One SSE frame: `event: <type>` and its JSON, the image base64 written from the upstream's bytes. */
export type Frame = Buffer[];

export class ResponsesStreamAssembler {
  private sequence = 0;
  private partialsSent = 0;
  private readonly finals: GeneratedImage[] = [];
  private readonly responses: GenerateContentResponse[] = [];
  private readonly firstImageId: string;

  constructor(
    private readonly meta: ResponseMeta,
    private readonly options: ResponsesStreamOptions,
  ) {
    this.firstImageId = itemId('ig', meta.id, 0);
  }

  private frame(type: string, fields: Record<string, unknown>): Frame {
    const event = { type, ...fields, sequence_number: this.sequence };
    this.sequence += 1;
    return [Buffer.from(`event: ${type}\ndata: `), ...jsonWithImagesPieces(event), Buffer.from('\n\n')];
  }

  /** The frames sent as soon as a route answers: the response exists and the image call begins. */
  start(): Frame[] {
    const shell = responseShell(this.meta);
    const frames = [
      this.frame('response.created', { response: shell }),
      this.frame('response.in_progress', { response: shell }),
    ];
    if (this.options.image) {
      const item_id = this.firstImageId;
      frames.push(
        this.frame('response.output_item.added', { output_index: 0, item: pendingImageCall(item_id) }),
        this.frame('response.image_generation_call.in_progress', { output_index: 0, item_id }),
        this.frame('response.image_generation_call.generating', { output_index: 0, item_id }),
      );
    }
    return frames;
  }

  /** Interim images become partial_image frames, up to the tool's `partial_images`. */
  async onEvent(response: GenerateContentResponse): Promise<Frame[]> {
    this.responses.push(response);
    this.finals.push(...collectGeneratedImages([response]));
    const frames: Frame[] = [];
    const image = this.options.image;
    if (!image) return frames;
    for (const interim of collectInterimImages(response)) {
      if (this.partialsSent >= image.partialImages) break;
      const encoded = await transcodeImage(interim, image.format, image.compression);
      frames.push(
        this.frame('response.image_generation_call.partial_image', {
          output_index: 0,
          item_id: this.firstImageId,
          partial_image_index: this.partialsSent,
          partial_image_b64: encoded.data,
          background: image.background === 'transparent' ? 'transparent' : 'opaque',
          output_format: image.format,
          quality: image.quality,
          size: image.size,
        }),
      );
      this.partialsSent += 1;
    }
    return frames;
  }

  /** The upstream events so far (their parts' thought signatures are kept with the turn). */
  get answers(): readonly GenerateContentResponse[] {
    return this.responses;
  }

  get finalImageCount(): number {
    return this.finals.length;
  }

  /** The closing frames and the completed Response (whose images they carry). */
  async finish(usage: UsageMetadata | undefined): Promise<{ frames: Frame[]; response: ResponseObject }> {
    const frames: Frame[] = [];
    const output: OutputItem[] = [];
    const image = this.options.image;
    if (image) {
      for (const [index, final] of this.finals.entries()) {
        const id = index === 0 ? this.firstImageId : itemId('ig', this.meta.id, index);
        const encoded = await transcodeImage(final, image.format, image.compression);
        const item = completedImageCall(id, encoded, image, this.options.prompt, this.options.edited);
        const output_index = output.length;
        if (index > 0) {
          frames.push(this.frame('response.output_item.added', { output_index, item: pendingImageCall(id) }));
        }
        frames.push(
          this.frame('response.image_generation_call.completed', { output_index, item_id: id }),
          this.frame('response.output_item.done', { output_index, item }),
        );
        output.push(item);
      }
      if (this.finals.length === 0) {
        const item = { ...pendingImageCall(this.firstImageId), status: 'failed' as const };
        frames.push(this.frame('response.output_item.done', { output_index: 0, item }));
        output.push(item);
      }
    }
    const text = answerText(this.responses);
    if (text) frames.push(...this.messageFrames(text, output));
    const response = completedResponse(this.meta, output, usage, image !== undefined);
    frames.push(this.frame('response.completed', { response }));
    return { frames, response };
  }

  private messageFrames(text: string, output: OutputItem[]): Frame[] {
    const output_index = output.length;
    const item = messageItem(itemId('msg', this.meta.id, output_index), text);
    const item_id = item.id;
    const part = item.content[0];
    output.push(item);
    return [
      this.frame('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      }),
      this.frame('response.content_part.added', {
        item_id,
        output_index,
        content_index: 0,
        part: { ...part, text: '' },
      }),
      this.frame('response.output_text.delta', {
        item_id,
        output_index,
        content_index: 0,
        delta: text,
        logprobs: [],
      }),
      this.frame('response.output_text.done', {
        item_id,
        output_index,
        content_index: 0,
        text,
        logprobs: [],
      }),
      this.frame('response.content_part.done', { item_id, output_index, content_index: 0, part }),
      this.frame('response.output_item.done', { output_index, item }),
    ];
  }

  /** A failure after the stream began: an `error` event, then `response.failed`. */
  failed(error: { message: string; code: string | null; param: string | null }): Frame[] {
    const response = responseShell(this.meta);
    response.status = 'failed';
    response.error = { code: error.code ?? 'server_error', message: error.message };
    return [
      this.frame('error', { code: error.code, message: error.message, param: error.param }),
      this.frame('response.failed', { response }),
    ];
  }
}
