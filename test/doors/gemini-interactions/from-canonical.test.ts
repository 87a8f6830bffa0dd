// Canonical answers → the Interaction object: steps (thought, then model_output), usage in the
// Interactions names, and the failed Interaction of an answer with no output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Content, GenerateContentResponse } from '../../../src/canonical/types.js';
import { historyOf, modelContentOf } from '../../../src/doors/gemini-interactions/conversation.js';
import {
  completedInteraction,
  type InteractionMeta,
  interactionUsage,
  isoSeconds,
  stepsOf,
  userInputSteps,
} from '../../../src/doors/gemini-interactions/from-canonical.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/gemini-interactions-answer.json', import.meta.url), 'utf8'),
) as { meta: InteractionMeta; chunks: GenerateContentResponse[] };
const { meta, chunks } = fixture;
const usage = chunks.at(-1)?.usageMetadata;

function answer(parts: object[], finishReason = 'STOP'): GenerateContentResponse {
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
  } as GenerateContentResponse;
}

describe('canonical answer → Interaction', () => {
  it('puts thoughts and their signature in a thought step before the model_output step', () => {
    expect(stepsOf(chunks)).toEqual([
      {
        type: 'thought',
        summary: [
          { type: 'text', text: 'Planning the blue corner.' },
          { type: 'image', mime_type: 'image/png', data: 'RFJBRlQ=' },
        ],
        signature: 'c2lnLTE=',
      },
      {
        type: 'model_output',
        content: [
          { type: 'text', text: 'Here is the edited image.' },
          { type: 'image', mime_type: 'image/png', data: 'RklOQUw=' },
        ],
      },
    ]);
  });

  it('answers a completed Interaction echoing the request settings, with output steps only', () => {
    const interaction = completedInteraction(meta, chunks, usage);
    expect(interaction).toMatchObject({
      id: meta.id,
      status: 'completed',
      model: 'gemini-3.1-flash-image',
      created: '2026-12-06T13:40:31Z',
      previous_interaction_id: 'v1_0193a1b2c3d47e8f9a0b1c2d3e4f0000',
      system_instruction: 'be brief',
      response_format: { type: 'image', aspect_ratio: '16:9' },
    });
    expect(interaction.id).toMatch(/^v1_[0-9a-f]+$/);
    expect(interaction.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(interaction.steps?.map((step) => step.type)).toEqual(['thought', 'model_output']);
    expect(interaction.errors).toBeUndefined();
  });

  it('names usage as the Interactions API does, modalities in lowercase', () => {
    expect(interactionUsage(usage)).toEqual({
      total_input_tokens: 270,
      input_tokens_by_modality: [
        { modality: 'text', tokens: 12 },
        { modality: 'image', tokens: 258 },
      ],
      total_cached_tokens: 0,
      total_output_tokens: 1130,
      output_tokens_by_modality: [
        { modality: 'text', tokens: 10 },
        { modality: 'image', tokens: 1120 },
      ],
      total_thought_tokens: 200,
      total_tokens: 1600,
    });
  });

  it('adds up the total when the upstream gave none, and zeroes absent counts', () => {
    expect(
      interactionUsage({ promptTokenCount: 5, candidatesTokenCount: 7, thoughtsTokenCount: 3 }),
    ).toMatchObject({
      total_tokens: 15,
      total_cached_tokens: 0,
    });
    expect(interactionUsage(undefined)).toMatchObject({ total_input_tokens: 0, total_tokens: 0 });
  });

  it('fails an answer with no output, naming the block reason', () => {
    const blocked = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } } as GenerateContentResponse;
    const interaction = completedInteraction(meta, [blocked], undefined);
    expect(interaction.status).toBe('failed');
    expect(interaction.steps).toEqual([]);
    expect(interaction.errors).toEqual([
      { code: 'PROHIBITED_CONTENT', message: 'The model answered with no output (PROHIBITED_CONTENT).' },
    ]);
  });

  it('fails an answer with only thoughts, naming the finish reason', () => {
    const interaction = completedInteraction(
      meta,
      [answer([{ text: 'thinking', thought: true }], 'IMAGE_SAFETY')],
      undefined,
    );
    expect(interaction.status).toBe('failed');
    expect(interaction.steps?.map((step) => step.type)).toEqual(['thought']);
    expect(interaction.errors?.[0].code).toBe('IMAGE_SAFETY');
  });

  it('marks an answer cut short by max_output_tokens as incomplete', () => {
    const interaction = completedInteraction(meta, [answer([{ text: 'Here is' }], 'MAX_TOKENS')], undefined);
    expect(interaction.status).toBe('incomplete');
    expect(interaction.steps).toEqual([
      { type: 'model_output', content: [{ type: 'text', text: 'Here is' }] },
    ]);
  });

  it('leaves empty text and non-image data out of the steps', () => {
    expect(
      stepsOf([
        answer([{ text: '' }, { inlineData: { mimeType: 'audio/wav', data: 'AAAA' } }, { text: 'ok' }]),
      ]),
    ).toEqual([{ type: 'model_output', content: [{ type: 'text', text: 'ok' }] }]);
  });

  it('writes times to the second, as Google shows them', () => {
    expect(isoSeconds(Date.parse('2026-12-06T13:40:31.987Z'))).toBe('2026-12-06T13:40:31Z');
  });
});

describe('stored interactions', () => {
  const input: Content[] = [
    {
      role: 'user',
      parts: [{ text: 'make the corner blue' }, { inlineData: { mimeType: 'image/png', data: 'SU4=' } }],
    },
  ];

  it('shows the user_input step for GET', () => {
    expect(userInputSteps(input)).toEqual([
      {
        type: 'user_input',
        content: [
          { type: 'text', text: 'make the corner blue' },
          { type: 'image', mime_type: 'image/png', data: 'SU4=' },
        ],
      },
    ]);
  });

  it('reads the model turn back from model_output steps only, thoughts left out', () => {
    const interaction = completedInteraction(meta, chunks, usage);
    expect(modelContentOf(interaction)).toEqual({
      role: 'model',
      parts: [
        { text: 'Here is the edited image.' },
        { inlineData: { mimeType: 'image/png', data: 'RklOQUw=' } },
      ],
    });
    expect(modelContentOf({ steps: [{ type: 'thought', summary: [] }] })).toBeUndefined();
    expect(modelContentOf('not an interaction')).toBeUndefined();
  });

  it('rebuilds the history of stored turns, oldest first, skipping a turn without output', () => {
    const stored = completedInteraction(meta, chunks, usage);
    const failed = completedInteraction(meta, [answer([], 'SAFETY')], undefined);
    const later: Content[] = [{ role: 'user', parts: [{ text: 'again' }] }];
    expect(
      historyOf([
        { input: JSON.stringify(input), body: JSON.stringify(stored) },
        { input: JSON.stringify(later), body: JSON.stringify(failed) },
      ]),
    ).toEqual([...input, modelContentOf(stored), ...later]);
  });
});
