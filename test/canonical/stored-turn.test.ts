import { describe, expect, it } from 'vitest';
import {
  readTurnInput,
  signaturesOf,
  storedTurnInput,
  withSignatures,
} from '../../src/canonical/stored-turn.js';
import type { GenerateContentResponse } from '../../src/canonical/types.js';
import { historyOf as interactionsHistory } from '../../src/doors/gemini-interactions/conversation.js';
import { historyOf as responsesHistory } from '../../src/doors/openai-responses/conversation.js';

const png =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';

/** A Gemini 3 image answer: a thought with its signature, text, then an image with its own. */
const answer: GenerateContentResponse = {
  candidates: [
    {
      content: {
        role: 'model',
        parts: [
          { text: 'planning', thought: true, thoughtSignature: 'sig-thought' },
          { text: 'Here it is.' },
          { inlineData: { mimeType: 'image/png', data: png }, thoughtSignature: 'sig-image' },
        ],
      },
    },
  ],
};
const userTurn = [{ role: 'user', parts: [{ text: 'draw a square' }] }];

describe('stored turns keep the answer’s thought signatures', () => {
  it('records them by kind and order, a thought’s signature moving to the part after it', () => {
    expect(signaturesOf([answer])).toEqual({ image: ['sig-image'], text: ['sig-thought'] });
    expect(signaturesOf([{ candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] } }] }])).toBe(
      undefined,
    );
  });

  it('reads the stored input back, the older array form too', () => {
    const stored = storedTurnInput(userTurn, signaturesOf([answer]));
    expect(readTurnInput(stored)).toEqual({
      contents: userTurn,
      signatures: { image: ['sig-image'], text: ['sig-thought'] },
    });
    expect(readTurnInput(JSON.stringify(userTurn))).toEqual({ contents: userTurn });
  });

  it('puts each signature back on the part of its kind, whatever the order of the door’s answer', () => {
    const rebuilt = withSignatures(
      {
        role: 'model',
        parts: [{ inlineData: { mimeType: 'image/png', data: png } }, { text: 'Here it is.' }],
      },
      signaturesOf([answer]),
    );
    expect(rebuilt.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: png }, thoughtSignature: 'sig-image' },
      { text: 'Here it is.', thoughtSignature: 'sig-thought' },
    ]);
  });

  it('gives a continued Responses conversation its model turn with the signatures', () => {
    const body = {
      output: [
        { type: 'image_generation_call', id: 'ig_1', status: 'completed', result: png },
        { type: 'message', content: [{ type: 'output_text', text: 'Here it is.' }] },
      ],
    };
    const history = responsesHistory([
      { input: storedTurnInput(userTurn, signaturesOf([answer])), body: JSON.stringify(body) },
    ]);
    expect(history[1].parts?.map((part) => part.thoughtSignature)).toEqual(['sig-image', 'sig-thought']);
  });

  it('gives a continued Interactions conversation its model turn with the signatures', () => {
    const body = {
      steps: [
        {
          type: 'model_output',
          content: [
            { type: 'text', text: 'Here it is.' },
            { type: 'image', mime_type: 'image/png', data: png },
          ],
        },
      ],
    };
    const history = interactionsHistory([
      { input: storedTurnInput(userTurn, signaturesOf([answer])), body: JSON.stringify(body) },
    ]);
    expect(history[1].parts?.map((part) => part.thoughtSignature)).toEqual(['sig-thought', 'sig-image']);
  });
});
