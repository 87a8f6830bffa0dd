// Holds one channel's upstream list against the catalog and the models the channel routes: which
// routed models the upstream no longer lists, which it lists, which image models it has that the
// catalog does not know, and which shutdowns it announces. Pure.
import type { ModelCatalog } from '../catalog/catalog.js';
import type { CatalogModel } from '../catalog/schema.js';
import type { ListedModel, ListingFamily, UpstreamListing } from '../providers/model-listing.js';
import { looksLikeImageModel } from './image-model-ids.js';

/** What a comparison needs of a channel. */
export interface ListedChannel {
  name: string;
  /** Catalog ids the channel routes (successors included). */
  models: readonly string[];
  /** Catalog id → the id the channel calls upstream. */
  modelMap: Readonly<Record<string, string>>;
}

export interface RoutedModel {
  modelId: string;
  upstreamId: string;
}

export interface MissingModel extends RoutedModel {
  /** Retired or disabled here already: its absence upstream asks nothing of anyone. */
  expected: boolean;
}

export interface AnnouncedShutdown extends RoutedModel {
  /** YYYY-MM-DD. */
  shutdown: string;
}

export interface ChannelFindings {
  missing: MissingModel[];
  present: RoutedModel[];
  /** Image models the upstream lists that no catalog id, alias, upstream id or modelMap names. */
  unknownImageModels: ListedModel[];
  shutdowns: AnnouncedShutdown[];
}

export interface CompareInput {
  channel: ListedChannel;
  family: ListingFamily;
  catalog: ModelCatalog;
  listing: UpstreamListing;
  /** True for a model whose absence upstream is no news (retired or disabled today). */
  isExpectedGone: (model: CatalogModel) => boolean;
}

/** Every upstream id the catalog or the channel already names. */
function knownUpstreamIds(catalog: ModelCatalog, channel: ListedChannel): Set<string> {
  const known = new Set<string>(Object.values(channel.modelMap));
  for (const model of catalog.list()) {
    known.add(model.id);
    for (const alias of model.aliases) known.add(alias);
    for (const upstreamId of Object.values(model.upstreamIds)) if (upstreamId) known.add(upstreamId);
  }
  return known;
}

export function compareListing(input: CompareInput): ChannelFindings {
  const { channel, catalog, listing } = input;
  const listed = new Map(listing.models.map((model) => [model.upstreamId, model]));
  const findings: ChannelFindings = { missing: [], present: [], unknownImageModels: [], shutdowns: [] };
  for (const modelId of channel.models) {
    const model = catalog.resolve(modelId);
    // The local engine's id and other non-upstream models are never on a provider's list.
    if (model === undefined || model.family === 'local') continue;
    const upstreamId = channel.modelMap[modelId] ?? modelId;
    const entry = listed.get(upstreamId);
    if (entry === undefined) {
      findings.missing.push({ modelId, upstreamId, expected: input.isExpectedGone(model) });
      continue;
    }
    findings.present.push({ modelId, upstreamId });
    if (entry.shutdown !== null) findings.shutdowns.push({ modelId, upstreamId, shutdown: entry.shutdown });
  }
  const known = knownUpstreamIds(catalog, channel);
  for (const entry of listing.models) {
    if (!known.has(entry.upstreamId) && looksLikeImageModel(input.family, entry)) {
      findings.unknownImageModels.push(entry);
    }
  }
  return findings;
}
