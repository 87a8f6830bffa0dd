// The YAML an operator pastes under a config file's `models:` to add an image model an upstream lists
// and the catalog does not know: a complete entry, the figures the list gave marked as such, every
// other figure copied from a known model of the same family and marked UNKNOWN. Pure.
import type { ModelCatalog } from '../catalog/catalog.js';
import type { CatalogModel, ModelFamily } from '../catalog/schema.js';
import type { ListedModel, ListingFamily } from '../providers/model-listing.js';

const catalogIdShape = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const commentColumn = 44;

/** The known model whose figures stand in for the unknown ones: the family's recommended, else its first live one. */
export function templateModel(catalog: ModelCatalog, family: ModelFamily): CatalogModel | undefined {
  const candidates = catalog
    .list()
    .filter((model) => model.family === family && model.status !== 'disabled' && model.status !== 'retired');
  return (
    candidates.find((model) => model.recommended) ??
    candidates.find((model) => model.shutdown === null) ??
    candidates[0]
  );
}

/** A YAML scalar: JSON's double-quoted string is one, with every character escaped that must be. */
const quoted = (value: string) => JSON.stringify(value);
const flow = (value: unknown) => JSON.stringify(value);

function line(text: string, comment?: string): string {
  const indented = `    ${text}`;
  return comment === undefined ? indented : `${indented.padEnd(commentColumn)} # ${comment}`;
}

/** Stand-ins when the catalog has no model of the family: valid, deliberately unusable figures. */
const emptyFigures = {
  capabilities: {
    aspectRatios: ['1:1'],
    imageSizes: [],
    defaultImageSize: null,
    maxInputImages: 0,
    maxPayloadBytes: 20_971_520,
    outputModalities: ['IMAGE'],
    maxCandidateCount: 1,
  },
  pricing: { inputText: '0', inputImage: '0', outputText: '0', thoughts: '0', outputImage: '0' },
  inputImageTokens: 0,
  inputImageTokensMax: 0,
  partialImageTokens: 0,
  imageTokens: { default: 0 },
};

export interface NewModelEntryInput {
  listed: ListedModel;
  family: ListingFamily;
  channelName: string;
  template: CatalogModel | undefined;
}

export function newModelEntryYaml(input: NewModelEntryInput): string {
  const { listed, template } = input;
  const fromList = 'from the upstream list';
  const catalogId = catalogIdShape.test(listed.upstreamId)
    ? listed.upstreamId
    : listed.upstreamId.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  const unknownFrom = template ? `UNKNOWN: copied from ${template.id}` : 'UNKNOWN: placeholder';
  const figures = template
    ? {
        capabilities: template.capabilities,
        pricing: template.pricingUsdPerMillion,
        inputImageTokens: template.inputImageTokens,
        inputImageTokensMax: template.inputImageTokensMax,
        partialImageTokens: template.partialImageTokens,
        imageTokens: template.imageTokens,
      }
    : emptyFigures;
  const lines = [
    `  # ${input.family} image model listed by channel "${input.channelName}"; add "${catalogId}" to that channel's models to route it`,
  ];
  if (catalogId !== listed.upstreamId) {
    lines.push(
      `  # the upstream calls it ${quoted(listed.upstreamId)}: also add modelMap: { ${catalogId}: ${quoted(listed.upstreamId)} } to the channel`,
    );
  }
  lines.push(`  - id: ${quoted(catalogId)}`);
  lines.push(line(`family: ${input.family}`));
  lines.push(
    listed.displayName
      ? line(`displayName: ${quoted(listed.displayName)}`, fromList)
      : line(`displayName: ${quoted(catalogId)}`, 'UNKNOWN: the list gives no name'),
  );
  if (listed.description) lines.push(line(`description: ${quoted(listed.description)}`, fromList));
  lines.push(
    listed.version
      ? line(`version: ${quoted(listed.version)}`, fromList)
      : line(`version: "1"`, 'UNKNOWN: the list gives no version'),
  );
  lines.push(
    line(
      'status: controlled',
      'only keys opted in to controlled models reach it: check every UNKNOWN, then set stable',
    ),
  );
  lines.push(
    listed.created
      ? line(`released: ${quoted(listed.created)}`, 'the upstream\'s "created" date; check the release notes')
      : line('released: null', 'UNKNOWN: the list gives no date'),
  );
  lines.push(
    listed.shutdown
      ? line(`shutdown: ${quoted(listed.shutdown)}`, 'announced by the upstream list')
      : line('shutdown: null'),
  );
  const limit = (name: 'inputTokenLimit' | 'outputTokenLimit') => {
    const stated = listed[name];
    return stated === undefined
      ? line(`${name}: ${template?.[name] ?? 32768}`, unknownFrom)
      : line(`${name}: ${stated}`, fromList);
  };
  lines.push(limit('inputTokenLimit'), limit('outputTokenLimit'));
  lines.push(
    listed.thinking === undefined
      ? line(`thinking: ${template?.thinking ?? false}`, unknownFrom)
      : line(`thinking: ${listed.thinking}`, fromList),
  );
  lines.push(`    # ${unknownFrom}: check each against the provider's model and pricing pages`);
  lines.push(line(`capabilities: ${flow(figures.capabilities)}`));
  lines.push(line(`pricing: ${flow(figures.pricing)}`, 'USD per 1M tokens'));
  lines.push(line(`inputImageTokens: ${figures.inputImageTokens}`));
  lines.push(line(`inputImageTokensMax: ${figures.inputImageTokensMax}`));
  lines.push(line(`partialImageTokens: ${figures.partialImageTokens}`));
  lines.push(line(`imageTokens: ${flow(figures.imageTokens)}`));
  lines.push(line('sources: []', 'add the pages you checked: {url, checked, covers}'));
  return `${lines.join('\n')}\n`;
}
