// The models a client can call and a model list shows: served by at least one channel whose upstream
// still has them, neither disabled nor retired (a retired id still answers, served by its successor,
// but is not listed).
import type { CatalogModel } from '../catalog/catalog.js';
import type { ModelLifecycle } from '../catalog/served-model.js';

export function routedModels(
  lifecycle: ModelLifecycle,
  channels: ReadonlyArray<{ name: string; models: readonly string[] }>,
  /** True when the route's upstream no longer has the model (src/health/route-presence.ts). */
  isGone: (channel: string, modelId: string) => boolean = () => false,
): CatalogModel[] {
  return lifecycle.catalog.list().filter((model) => {
    const status = lifecycle.lifecycle(model).status;
    return (
      status !== 'disabled' &&
      status !== 'retired' &&
      channels.some((channel) => channel.models.includes(model.id) && !isGone(channel.name, model.id))
    );
  });
}
