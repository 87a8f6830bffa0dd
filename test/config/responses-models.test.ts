import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorMessage, writeConfig } from './helpers.js';

function load(text: string) {
  return loadConfig({ env: {}, argvConfigPath: writeConfig(text) });
}

function channelYaml(provider: string, responsesModels: string, extra = ''): string {
  return [
    'channels:',
    '  - name: text-upstream',
    `    provider: ${provider}`,
    '    baseUrl: https://upstream.example',
    '    apiKeys: [k]',
    extra,
    '    responsesModels:',
    responsesModels,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const gpt51 = [
  '      - id: gpt-5.1',
  '        inputUsdPerMillion: "1.25"',
  '        cachedInputUsdPerMillion: "0.125"',
  '        outputUsdPerMillion: "10"',
  '        maxOutputTokens: 128000',
].join('\n');

describe('responsesModels of a channel', () => {
  it('converts the published prices to integer nano-USD per token', () => {
    const config = load(channelYaml('openai-compatible', gpt51));
    expect(config.channels[0].responsesModels).toEqual([
      { id: 'gpt-5.1', pricing: { input: 1250, cachedInput: 125, output: 10000 }, maxOutputTokens: 128000 },
    ]);
  });

  it('bills cached input at the input price when no cached price is published', () => {
    const config = load(
      channelYaml(
        'openai',
        '      - { id: gpt-5-mini, inputUsdPerMillion: "0.25", outputUsdPerMillion: "2", maxOutputTokens: 4000 }',
      ),
    );
    expect(config.channels[0].responsesModels[0].pricing).toEqual({
      input: 250,
      cachedInput: 250,
      output: 2000,
    });
  });

  it('leaves channels without the field with none', () => {
    const config = load('channels:\n  - name: mine\n    provider: openai\n    apiKeys: [k]\n');
    expect(config.channels[0].responsesModels).toEqual([]);
  });

  it('refuses a model without prices, since the gateway could not bill it', () => {
    const message = errorMessage(() =>
      load(channelYaml('openai', '      - { id: gpt-5.1, maxOutputTokens: 1000 }')),
    );
    expect(message).toContain('channels[0].responsesModels[0].inputUsdPerMillion');
    expect(message).toContain('channels[0].responsesModels[0].outputUsdPerMillion');
  });

  it('refuses a price that does not convert exactly', () => {
    const message = errorMessage(() =>
      load(
        channelYaml(
          'openai',
          '      - { id: gpt-5.1, inputUsdPerMillion: "1.2345", outputUsdPerMillion: "10", maxOutputTokens: 1000 }',
        ),
      ),
    );
    expect(message).toContain('channels[0].responsesModels[0].inputUsdPerMillion');
  });

  it('refuses the field on a provider without /v1/responses, naming it', () => {
    const message = errorMessage(() =>
      load(channelYaml('gemini-compatible', gpt51, '    models: [gemini-3.1-flash-image]')),
    );
    expect(message).toContain('channels[0].responsesModels');
    expect(message).toContain('only an openai or openai-compatible channel takes responsesModels');
  });

  it('refuses a catalog image model, which the canonical path serves', () => {
    const message = errorMessage(() =>
      load(
        channelYaml(
          'openai',
          '      - { id: gpt-image-2, inputUsdPerMillion: "1", outputUsdPerMillion: "1", maxOutputTokens: 10 }',
        ),
      ),
    );
    expect(message).toContain('channels[0].responsesModels[0].id');
    expect(message).toContain('catalog image model');
  });
});
