import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ModelCatalog } from '../../src/catalog/catalog.js';
import { newModelEntryYaml, templateModel } from '../../src/discovery/new-model-entry.js';
import { geminiTestModelYaml, openAiTestModelYaml } from '../helpers/test-models.js';

const catalog = new ModelCatalog(
  parse(
    `models:\n${geminiTestModelYaml('flash', '    recommended: true\n')}${geminiTestModelYaml('old', '    status: retired\n')}${openAiTestModelYaml('gpt-a')}`,
  ).models,
);

/** The entry as an operator pastes it: under `models:` of a config file, over the catalog. */
function pasted(yaml: string) {
  const [entry] = parse(`models:\n${yaml}`).models as Array<Record<string, unknown>>;
  return { entry, model: catalog.withOverrides([entry]).resolve(String(entry.id)) };
}

describe('the entry to paste for a new upstream image model', () => {
  it('is a complete catalog entry: the listed figures kept, the rest copied from the family and marked', () => {
    const yaml = newModelEntryYaml({
      listed: {
        upstreamId: 'gemini-9-flash-image',
        shutdown: null,
        displayName: 'Nano Banana 9 "turbo"',
        description: 'Gemini 9: # not a comment',
        version: '9.0',
        inputTokenLimit: 131072,
        outputTokenLimit: 32768,
        thinking: true,
      },
      family: 'gemini',
      channelName: 'google-main',
      template: templateModel(catalog, 'gemini'),
    });
    const { entry, model } = pasted(yaml);
    expect(entry).toMatchObject({
      id: 'gemini-9-flash-image',
      displayName: 'Nano Banana 9 "turbo"',
      description: 'Gemini 9: # not a comment',
      version: '9.0',
      status: 'controlled',
      released: null,
      inputTokenLimit: 131072,
      thinking: true,
    });
    expect(model?.capabilities).toEqual(catalog.resolve('flash')?.capabilities);
    expect(model?.pricing).toEqual(catalog.resolve('flash')?.pricing);
    expect(yaml).toContain('# UNKNOWN: copied from flash');
    expect(yaml).toContain('channel "google-main"');
    expect(yaml.split('\n').filter((line) => line.includes('from the upstream list'))).toHaveLength(6);
  });

  it('dates an OpenAI model by its creation and carries an announced shutdown', () => {
    const yaml = newModelEntryYaml({
      listed: { upstreamId: 'gpt-image-9', shutdown: '2027-06-01', created: '2026-11-04' },
      family: 'openai',
      channelName: 'openai',
      template: templateModel(catalog, 'openai'),
    });
    const { entry, model } = pasted(yaml);
    expect(entry).toMatchObject({
      released: '2026-11-04',
      shutdown: '2027-06-01',
      displayName: 'gpt-image-9',
    });
    expect(model?.family).toBe('openai');
    expect(yaml).toMatch(/displayName: "gpt-image-9"\s+# UNKNOWN: the list gives no name/);
  });

  it('turns an upstream id that is no catalog id into one, and says which name to map', () => {
    const yaml = newModelEntryYaml({
      listed: { upstreamId: 'google/gemini-9-flash-image:free', shutdown: null },
      family: 'gemini',
      channelName: 'router',
      template: undefined,
    });
    const { entry, model } = pasted(yaml);
    expect(entry.id).toBe('google-gemini-9-flash-image-free');
    expect(yaml).toContain(
      'modelMap: { google-gemini-9-flash-image-free: "google/gemini-9-flash-image:free" }',
    );
    // Without a model of the family to copy from, the stand-ins are valid but route nothing.
    expect(model?.capabilities.maxInputImages).toBe(0);
    expect(yaml).toContain('UNKNOWN: placeholder');
  });

  it('copies figures from the family recommended model, never a retired one', () => {
    expect(templateModel(catalog, 'gemini')?.id).toBe('flash');
    expect(templateModel(catalog, 'local')).toBeUndefined();
  });
});
