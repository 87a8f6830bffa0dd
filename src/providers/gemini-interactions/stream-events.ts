// The Interactions SSE events (step.start / step.delta / step.stop / interaction.completed / error)
// → canonical stream events: one per text delta and one per whole-image delta, as a Gemini stream
// would carry them; the last, from interaction.completed, has the finishReason and the usage. Pure.
import type { GenerateContentResponse, Part } from '../../canonical/types.js';
import { interactionError, malformedInteraction } from './errors.js';
import { blockToPart, finishReasonOf, usageToMetadata } from './parse-response.js';

type WireObject = Record<string, unknown>;

function isRecord(value: unknown): value is WireObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class InteractionStreamReader {
  private readonly stepTypes = new Map<number, string>();
  private signature: string | undefined;
  private id: string | undefined;
  private model: string | undefined;
  /** Set once interaction.completed has been read: the stream is whole. */
  completed = false;

  constructor(private readonly channelName: string) {}

  /** The canonical events one upstream event becomes (none for lifecycle events). */
  read(event: WireObject): GenerateContentResponse[] {
    switch (event.event_type) {
      case 'interaction.created':
        this.remember(event.interaction);
        return [];
      case 'step.start':
        return this.stepStart(event);
      case 'step.delta':
        return this.delta(Number(event.index), event.delta);
      case 'interaction.completed':
        return [this.completion(event.interaction)];
      case 'error':
        throw interactionError(event.error, this.channelName);
      default:
        // step.stop, interaction.status_update and event types added later carry nothing to relay.
        return [];
    }
  }

  private remember(interaction: unknown): void {
    if (!isRecord(interaction)) return;
    if (typeof interaction.id === 'string') this.id = interaction.id;
    if (typeof interaction.model === 'string') this.model = interaction.model;
  }

  private stepStart(event: WireObject): GenerateContentResponse[] {
    const step = event.step;
    if (!isRecord(step)) throw malformedInteraction(this.channelName, 'a step.start without its step');
    const index = Number(event.index);
    this.stepTypes.set(index, String(step.type));
    // A step may arrive with its first content already in it.
    const blocks = step.type === 'thought' ? step.summary : step.content;
    if (step.type === 'thought' && typeof step.signature === 'string') this.signature = step.signature;
    return (Array.isArray(blocks) ? blocks : []).flatMap((block) => this.delta(index, block));
  }

  private delta(index: number, delta: unknown): GenerateContentResponse[] {
    if (!isRecord(delta)) throw malformedInteraction(this.channelName, 'a step.delta without its delta');
    const stepType = this.stepTypes.get(index);
    if (delta.type === 'thought_signature') {
      if (typeof delta.signature === 'string') this.signature = delta.signature;
      return [];
    }
    if (delta.type === 'thought_summary') {
      return [this.event({ ...blockToPart(delta.content, this.channelName), thought: true })];
    }
    if (stepType !== undefined && stepType !== 'model_output' && stepType !== 'thought') return [];
    const part = blockToPart(delta, this.channelName);
    if (stepType === 'thought') part.thought = true;
    return [this.event(part)];
  }

  private event(part: Part): GenerateContentResponse {
    if (this.signature !== undefined) part.thoughtSignature = this.signature;
    this.signature = undefined;
    return this.response({ content: { role: 'model', parts: [part] }, index: 0 });
  }

  private completion(interaction: unknown): GenerateContentResponse {
    if (!isRecord(interaction))
      throw malformedInteraction(this.channelName, 'interaction.completed without its interaction');
    this.remember(interaction);
    const finishReason = finishReasonOf(interaction, this.channelName);
    const parts: Part[] =
      this.signature === undefined ? [] : [{ text: '', thought: true, thoughtSignature: this.signature }];
    this.signature = undefined;
    const response = this.response({ content: { role: 'model', parts }, finishReason, index: 0 });
    const usage = usageToMetadata(interaction.usage);
    if (usage) response.usageMetadata = usage;
    this.completed = true;
    return response;
  }

  private response(
    candidate: NonNullable<GenerateContentResponse['candidates']>[number],
  ): GenerateContentResponse {
    const response: GenerateContentResponse = { candidates: [candidate] };
    if (this.model !== undefined) response.modelVersion = this.model;
    if (this.id !== undefined) response.responseId = this.id;
    return response;
  }
}
