// One canonical stream → Google's Interactions SSE events: interaction.created, one step (start,
// deltas of text and whole images, stop) per kind of output, interaction.completed, then [DONE].
import { jsonWithImagesPieces } from '../../canonical/json-with-images.js';
import type { GenerateContentResponse, UsageMetadata } from '../../canonical/types.js';
import {
  blockOf,
  completedInteraction,
  type InteractionMeta,
  type InteractionObject,
  interactionShell,
} from './from-canonical.js';

export type Frame = Buffer[];

function frame(event: Record<string, unknown>): Frame {
  return [Buffer.from('data: '), ...jsonWithImagesPieces(event), Buffer.from('\n\n')];
}

export const doneFrame: Frame = [Buffer.from('event: done\ndata: [DONE]\n\n')];

type StepKind = 'thought' | 'model_output';

export class InteractionStreamAssembler {
  private index = -1;
  private open: StepKind | undefined;
  private readonly responses: GenerateContentResponse[] = [];
  private imagesSent = 0;
  private outputStarted = false;

  constructor(private readonly meta: InteractionMeta) {}

  start(): Frame[] {
    return [
      frame({ event_type: 'interaction.created', interaction: interactionShell(this.meta, 'in_progress') }),
    ];
  }

  /** The upstream events so far (their parts' thought signatures are kept with the turn). */
  get answers(): readonly GenerateContentResponse[] {
    return this.responses;
  }

  get images(): number {
    return this.imagesSent;
  }

  private openStep(kind: StepKind, frames: Frame[]): void {
    if (kind === this.open) return;
    if (this.open) frames.push(frame({ event_type: 'step.stop', index: this.index }));
    this.index += 1;
    this.open = kind;
    if (kind === 'model_output') this.outputStarted = true;
    frames.push(frame({ event_type: 'step.start', index: this.index, step: { type: kind } }));
  }

  /** A step.start when the kind of output changes, then one delta per text or image part. */
  onEvent(response: GenerateContentResponse): Frame[] {
    this.responses.push(response);
    const frames: Frame[] = [];
    for (const candidate of response.candidates ?? []) {
      for (const part of candidate.content?.parts ?? []) {
        // Gemini signs the first part after its thoughts; the Interactions API carries that
        // signature in the thought step, which must close before the output starts. Later
        // signatures (on output images) stay in the stored Interaction only.
        if (typeof part.thoughtSignature === 'string' && !this.outputStarted) {
          this.openStep('thought', frames);
          const delta = { type: 'thought_signature', signature: part.thoughtSignature };
          frames.push(frame({ event_type: 'step.delta', index: this.index, delta }));
        }
        const block = blockOf(part);
        if (!block) continue;
        const kind: StepKind = part.thought === true ? 'thought' : 'model_output';
        this.openStep(kind, frames);
        const delta = kind === 'thought' ? { type: 'thought_summary', content: block } : block;
        frames.push(frame({ event_type: 'step.delta', index: this.index, delta }));
        if (kind === 'model_output' && block.type === 'image') this.imagesSent += 1;
      }
    }
    return frames;
  }

  finish(usage: UsageMetadata | undefined): { frames: Frame[]; interaction: InteractionObject } {
    const frames: Frame[] = [];
    if (this.open) frames.push(frame({ event_type: 'step.stop', index: this.index }));
    const interaction = completedInteraction(this.meta, this.responses, usage);
    // The completed event carries no steps (Google leaves them out to keep the event small).
    const { steps: _steps, ...summary } = interaction;
    frames.push(frame({ event_type: 'interaction.completed', interaction: summary }), doneFrame);
    return { frames, interaction };
  }

  failed(error: { code: string; message: string }): Frame[] {
    return [frame({ event_type: 'error', error }), doneFrame];
  }
}

/** A stored interaction as the events that would have streamed it (`GET …?stream=true`). */
export function replayFrames(interaction: InteractionObject): Frame[] {
  const { steps = [], ...summary } = interaction;
  const frames: Frame[] = [
    frame({ event_type: 'interaction.created', interaction: { ...summary, status: 'in_progress' } }),
  ];
  steps
    .filter((step) => step.type !== 'user_input')
    .forEach((step, index) => {
      frames.push(frame({ event_type: 'step.start', index, step: { type: step.type } }));
      if (step.type === 'thought' && step.signature)
        frames.push(
          frame({
            event_type: 'step.delta',
            index,
            delta: { type: 'thought_signature', signature: step.signature },
          }),
        );
      for (const block of step.type === 'thought' ? (step.summary ?? []) : (step.content ?? [])) {
        const delta = step.type === 'thought' ? { type: 'thought_summary', content: block } : block;
        frames.push(frame({ event_type: 'step.delta', index, delta }));
      }
      frames.push(frame({ event_type: 'step.stop', index }));
    });
  frames.push(frame({ event_type: 'interaction.completed', interaction: summary }), doneFrame);
  return frames;
}
