import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../../src/canonical/error-catalogue.js';
import type { GenerateContentResponse } from '../../../src/canonical/types.js';
import { predictionsFromCanonical } from '../../../src/doors/gemini/predict-response.js';
import { makeRetestImage } from '../../../src/health/retest-template.js';

async function imageResponse(): Promise<GenerateContentResponse> {
  const data = (await makeRetestImage()).toString('base64');
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data } }] },
        finishReason: 'STOP',
      },
    ],
  };
}

const blocked: GenerateContentResponse = {
  candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'IMAGE_SAFETY' }],
};

describe('predictionsFromCanonical', () => {
  it('gives one prediction per image with its bytes and type', async () => {
    const predictions = await predictionsFromCanonical([await imageResponse()], [], 'png', undefined);
    expect(predictions).toHaveLength(1);
    expect(predictions[0]).toMatchObject({ mimeType: 'image/png' });
  });

  it('reports a safety-blocked answer and a safety failure as raiFilteredReason', async () => {
    const failure = errorCatalogue.MODERATION_BLOCKED('blocked');
    const predictions = await predictionsFromCanonical(
      [await imageResponse(), blocked],
      [failure],
      'png',
      undefined,
    );
    expect(predictions).toHaveLength(3);
    expect(predictions[1]).toEqual({ raiFilteredReason: expect.stringContaining('IMAGE_SAFETY') });
    expect(predictions[2]).toHaveProperty('raiFilteredReason');
  });

  it('transcodes to JPEG when asked', async () => {
    const [prediction] = await predictionsFromCanonical([await imageResponse()], [], 'jpeg', 80);
    expect(prediction).toMatchObject({ mimeType: 'image/jpeg' });
  });
});
