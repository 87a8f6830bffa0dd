import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ModelCatalog } from '../../src/catalog/catalog.js';
import { compareListing, type ListedChannel } from '../../src/discovery/compare-listing.js';
import { looksLikeImageModel } from '../../src/discovery/image-model-ids.js';
import type { ListedModel, UpstreamListing } from '../../src/providers/model-listing.js';
import { geminiTestModelYaml, openAiTestModelYaml } from '../helpers/test-models.js';

const catalog = new ModelCatalog(
  parse(
    `models:\n${geminiTestModelYaml('flash', '    aliases: [banana]\n    upstreamIds: { vertex: flash-vertex-001 }\n')}${geminiTestModelYaml('old-flash', '    status: retired\n')}${geminiTestModelYaml('pro')}${openAiTestModelYaml('gpt-a')}`,
  ).models,
);

const listed = (upstreamId: string, fields: Partial<ListedModel> = {}): ListedModel => ({
  upstreamId,
  shutdown: null,
  ...fields,
});
const listing = (...models: ListedModel[]): UpstreamListing => ({ models, skipped: 0, pages: 1 });
const channel: ListedChannel = {
  name: 'google',
  models: ['flash', 'old-flash', 'pro'],
  modelMap: { pro: 'pro-upstream-002' },
};
const retiredOnly = (model: { status: string }) => model.status === 'retired';

describe('holding an upstream list against the catalog', () => {
  it('finds routed models missing upstream by the id the channel calls, telling retired ones apart', () => {
    const findings = compareListing({
      channel,
      family: 'gemini',
      catalog,
      listing: listing(listed('pro')),
      isExpectedGone: retiredOnly,
    });
    expect(findings.missing).toEqual([
      { modelId: 'flash', upstreamId: 'flash', expected: false },
      { modelId: 'old-flash', upstreamId: 'old-flash', expected: true },
      // Listed as `pro`, but the channel calls `pro-upstream-002`.
      { modelId: 'pro', upstreamId: 'pro-upstream-002', expected: false },
    ]);
    expect(findings.present).toEqual([]);
  });

  it('reports the shutdown dates the upstream announces for the routed models', () => {
    const findings = compareListing({
      channel,
      family: 'gemini',
      catalog,
      listing: listing(listed('flash', { shutdown: '2027-03-01' }), listed('pro-upstream-002')),
      isExpectedGone: retiredOnly,
    });
    expect(findings.present.map((model) => model.modelId)).toEqual(['flash', 'pro']);
    expect(findings.shutdowns).toEqual([{ modelId: 'flash', upstreamId: 'flash', shutdown: '2027-03-01' }]);
  });

  it('reports only image models no catalog id, alias, upstream id or modelMap names', () => {
    const findings = compareListing({
      channel,
      family: 'gemini',
      catalog,
      listing: listing(
        listed('banana-image'),
        listed('banana'),
        listed('flash-vertex-001'),
        listed('pro-upstream-002'),
        listed('gemini-9-flash-image'),
        listed('gemini-9-pro'),
        listed('imagen-9.0-generate-001', { methods: ['predict'] }),
        listed('gemini-9-flash-image-tts', { methods: ['generateContent'] }),
      ),
      isExpectedGone: retiredOnly,
    });
    expect(findings.unknownImageModels.map((model) => model.upstreamId)).toEqual([
      'banana-image',
      'gemini-9-flash-image',
      'gemini-9-flash-image-tts',
    ]);
  });
});

describe('telling image models by their ids', () => {
  it('knows the providers image naming and nothing else', () => {
    const gemini = (id: string, methods?: string[]) => looksLikeImageModel('gemini', listed(id, { methods }));
    const openai = (id: string) => looksLikeImageModel('openai', listed(id));
    expect(gemini('gemini-3.1-flash-image')).toBe(true);
    expect(gemini('gemini-nano-banana-2.1')).toBe(true);
    expect(gemini('nano-banana-pro-preview')).toBe(true);
    expect(gemini('gemini-3.1-flash-image', ['embedContent'])).toBe(false);
    expect(gemini('imagen-4.0-generate-001', ['predict'])).toBe(false);
    expect(gemini('gemini-2.5-flash')).toBe(false);
    expect(gemini('gemini-imagery-pro')).toBe(false);
    expect(openai('gpt-image-2.6-flare')).toBe(true);
    expect(openai('chatgpt-image-latest')).toBe(true);
    expect(openai('gpt-5-image-tool')).toBe(false);
    expect(openai('dall-e-3')).toBe(false);
  });
});
