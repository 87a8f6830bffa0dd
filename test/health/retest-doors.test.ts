// Fixture tests of the retest through each front door, both directions: the exact request the
// retest sends, and the edited image read back from a recorded answer of that door.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInteractionBody } from '../../src/doors/gemini-interactions/schema.js';
import { interactionRequestToCanonical } from '../../src/doors/gemini-interactions/to-canonical.js';
import { parseChatCompletionsBody } from '../../src/doors/openai-chat/schema.js';
import { parseResponsesBody } from '../../src/doors/openai-responses/schema.js';
import { buildDoorRequest, imageFromDoorAnswer } from '../../src/health/retest-doors.js';
import { allRetestDoors, isRetestDoor, type RetestDoor } from '../../src/health/retest-outcome.js';
import { RETEST_INSTRUCTION } from '../../src/health/retest-template.js';

interface ExpectedRequest {
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/retest-door-requests-answers.json', import.meta.url), 'utf8'),
) as {
  image: string;
  requests: Record<Exclude<RetestDoor, 'openai-images'>, ExpectedRequest>;
  answers: Record<RetestDoor, Record<string, unknown>>;
};
const image = Buffer.from(fixture.image, 'base64');
const model = 'nano-banana-2';

describe('retest requests per door', () => {
  it('lists the OpenAI Responses and Gemini Interactions doors among the retest doors', () => {
    expect(allRetestDoors).toEqual([
      'gemini',
      'openai-images',
      'openai-chat',
      'openai-responses',
      'gemini-interactions',
    ]);
    expect(isRetestDoor('openai-responses')).toBe(true);
    expect(isRetestDoor('gemini-interactions')).toBe(true);
  });

  for (const door of ['gemini', 'openai-chat', 'openai-responses', 'gemini-interactions'] as const) {
    it(`sends the recorded ${door} request with the template inline`, () => {
      const request = buildDoorRequest(door, model, image);
      const expected = fixture.requests[door];
      expect(request.path).toBe(expected.path);
      expect(request.headers).toEqual(expected.headers);
      expect(JSON.parse(request.body as string)).toEqual(expected.body);
    });
  }

  it('asks the Responses door for a forced, unstored edit that its own schema accepts', () => {
    const body = parseResponsesBody(
      JSON.parse(buildDoorRequest('openai-responses', model, image).body as string),
    );
    expect(body.tools).toEqual([{ type: 'image_generation', action: 'edit' }]);
    expect(body.tool_choice).toBe('required');
    expect(body.store).toBe(false);
  });

  it('asks the Interactions door for an unstored image turn that its own schema and translation accept', () => {
    const body = parseInteractionBody(
      JSON.parse(buildDoorRequest('gemini-interactions', model, image).body as string),
    );
    expect(body.store).toBe(false);
    const { request } = interactionRequestToCanonical(body, []);
    expect(request.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: RETEST_INSTRUCTION },
          { inlineData: { mimeType: 'image/png', data: image.toString('base64') } },
        ],
      },
    ]);
    expect(request.generationConfig).toEqual({ responseModalities: ['IMAGE'] });
  });

  it('sends a chat body that the chat door’s schema accepts', () => {
    const body = parseChatCompletionsBody(
      JSON.parse(buildDoorRequest('openai-chat', model, image).body as string),
    );
    expect(body.modalities).toEqual(['image', 'text']);
  });

  it('sends the Images door a multipart edit with the PNG as `image`', async () => {
    const request = buildDoorRequest('openai-images', model, image);
    expect(request.path).toBe('/v1/images/edits');
    const form = request.body as FormData;
    expect(form.get('model')).toBe(model);
    expect(form.get('prompt')).toBe(RETEST_INSTRUCTION);
    const file = form.get('image') as File;
    expect(file.type).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
  });
});

describe('images read back from recorded door answers', () => {
  for (const door of allRetestDoors) {
    it(`reads the edited image from a ${door} answer and nothing from one without an image`, () => {
      const answers = fixture.answers[door];
      expect(imageFromDoorAnswer(door, answers.withImage)?.equals(image)).toBe(true);
      expect(imageFromDoorAnswer(door, answers.withoutImage)).toBeUndefined();
    });
  }

  it('skips a failed image call of the Responses door and reads the completed one after it', () => {
    const answers = fixture.answers['openai-responses'];
    expect(imageFromDoorAnswer('openai-responses', answers.failedCallThenImage)?.equals(image)).toBe(true);
    expect(imageFromDoorAnswer('openai-responses', answers.failedCall)).toBeUndefined();
  });

  it('reads the Interactions answer’s model_output image, not the draft in its thought step', () => {
    const answers = fixture.answers['gemini-interactions'];
    const steps = (answers.withImage as { steps: { type: string }[] }).steps;
    expect(steps.map((step) => step.type)).toEqual(['thought', 'model_output']);
    expect(imageFromDoorAnswer('gemini-interactions', answers.withImage)?.equals(image)).toBe(true);
    expect(imageFromDoorAnswer('gemini-interactions', answers.failed)).toBeUndefined();
  });

  it('reads nothing from a body of another door’s shape', () => {
    expect(imageFromDoorAnswer('gemini-interactions', fixture.answers.gemini.withImage)).toBeUndefined();
    expect(imageFromDoorAnswer('gemini-interactions', 'not an object')).toBeUndefined();
    expect(imageFromDoorAnswer('openai-responses', fixture.answers['openai-chat'].withImage)).toBeUndefined();
    expect(imageFromDoorAnswer('openai-responses', 'not an object')).toBeUndefined();
  });
});
