// Which (model, channel, door) routes a retest run covers: every pair the configuration routes,
// narrowed by --model / --channel / --door. Retired ids are not routes of their own: their
// successor's retest covers them. Pure.
import type { ModelCatalog } from '../catalog/catalog.js';
import type { RetestDoor } from './retest-outcome.js';

export interface RetestTarget {
  model: string;
  channel: string;
  door: RetestDoor;
}

export interface RetestFilter {
  /** A model id or alias. */
  model?: string;
  channel?: string;
  doors?: readonly RetestDoor[];
}

export class RetestFilterError extends Error {}

export function planRetests(
  channels: ReadonlyArray<{ name: string; models: readonly string[] }>,
  catalog: ModelCatalog,
  doors: readonly RetestDoor[],
  filter: RetestFilter = {},
  /** The id that serves a model today (its successor once retired), or null when none does. */
  servedId: (modelId: string) => string | null = (modelId) => modelId,
): RetestTarget[] {
  const named = filter.model === undefined ? undefined : catalog.resolve(filter.model)?.id;
  const modelId = named === undefined ? undefined : (servedId(named) ?? named);
  if (filter.model !== undefined && modelId === undefined) {
    const close = catalog.closeIds(filter.model);
    throw new RetestFilterError(
      `unknown model "${filter.model}"${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''}`,
    );
  }
  if (filter.channel !== undefined && !channels.some((channel) => channel.name === filter.channel)) {
    throw new RetestFilterError(
      `unknown channel "${filter.channel}"; configured: ${channels.map((channel) => channel.name).join(', ')}`,
    );
  }
  const targets: RetestTarget[] = [];
  for (const channel of channels) {
    if (filter.channel !== undefined && channel.name !== filter.channel) continue;
    for (const model of channel.models) {
      if (modelId !== undefined && model !== modelId) continue;
      if (catalog.resolve(model)?.status === 'disabled' || servedId(model) !== model) continue;
      for (const door of filter.doors ?? doors) targets.push({ model, channel: channel.name, door });
    }
  }
  if (targets.length === 0) {
    throw new RetestFilterError('no configured channel serves that model; nothing to retest');
  }
  return targets;
}
