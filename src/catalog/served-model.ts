// Which model really serves a request for an id: the id itself while it lives, its successor once it
// is retired (or a refusal naming the successor, by policy). Routing, billing and the answer's model
// name all follow the served model; the requested one only sets the Deprecation/Sunset headers.
import type { ModelCatalog } from './catalog.js';
import { type Lifecycle, lifecycleOf, todayUtc } from './lifecycle.js';
import type { CatalogModel } from './schema.js';

export type RetiredPolicy = 'successor' | 'reject';

export interface ServedModel {
  /** The model the client named (an alias resolved to its entry). */
  requested: CatalogModel;
  /** The model that routes, bills and names the answer. */
  served: CatalogModel;
  /** The requested model's lifecycle today. */
  lifecycle: Lifecycle;
}

/** A retired id that is refused: by the `reject` policy, or because nothing succeeds it. */
export class RetiredModelError extends Error {
  constructor(
    readonly requested: CatalogModel,
    readonly lifecycle: Lifecycle,
    /** The model to call instead, when one lives. */
    readonly successor: CatalogModel | undefined,
  ) {
    const when = lifecycle.shutdown ? ` on ${lifecycle.shutdown}` : '';
    super(
      successor
        ? `Model "${requested.id}" was shut down${when}. Use "${successor.id}" instead.`
        : `Model "${requested.id}" was shut down${when} and has no successor on this gateway.`,
    );
    this.name = 'RetiredModelError';
  }
}

/** Upstream facts that move a model's lifecycle (shutdown dates from `imagegate models sync`). */
export interface LifecycleFacts {
  announcedShutdown(modelId: string): string | null;
}

export const noLifecycleFacts: LifecycleFacts = { announcedShutdown: () => null };

export interface ServeOptions {
  today: string;
  policy: RetiredPolicy;
  facts?: LifecycleFacts;
}

export function lifecycleToday(
  model: CatalogModel,
  options: Pick<ServeOptions, 'today' | 'facts'>,
): Lifecycle {
  return lifecycleOf(model, options.today, options.facts?.announcedShutdown(model.id));
}

/** The first model in the successor chain that is not retired, if any. */
function liveSuccessor(
  catalog: ModelCatalog,
  model: CatalogModel,
  options: Pick<ServeOptions, 'today' | 'facts'>,
): CatalogModel | undefined {
  return catalog.successorsOf(model).find((next) => lifecycleToday(next, options).status !== 'retired');
}

/** Throws RetiredModelError for a retired id that the policy (or a missing successor) refuses. */
export function serveModel(
  catalog: ModelCatalog,
  requested: CatalogModel,
  options: ServeOptions,
): ServedModel {
  const lifecycle = lifecycleToday(requested, options);
  if (lifecycle.status !== 'retired') return { requested, served: requested, lifecycle };
  const successor = liveSuccessor(catalog, requested, options);
  if (options.policy === 'reject' || successor === undefined) {
    throw new RetiredModelError(requested, lifecycle, successor);
  }
  return { requested, served: successor, lifecycle };
}

/** The lifecycle service a running gateway asks: policy, clock and upstream facts in one place. */
export class ModelLifecycle {
  constructor(
    readonly catalog: ModelCatalog,
    readonly policy: RetiredPolicy = 'successor',
    private facts: LifecycleFacts = noLifecycleFacts,
    private readonly now: () => number = Date.now,
  ) {}

  /** Installs the upstream facts once a store can provide them. */
  useFacts(facts: LifecycleFacts): void {
    this.facts = facts;
  }

  today(): string {
    return todayUtc(this.now());
  }

  serve(requested: CatalogModel): ServedModel {
    return serveModel(this.catalog, requested, {
      today: this.today(),
      policy: this.policy,
      facts: this.facts,
    });
  }

  /** The id that serves requests for `modelId` today, or null when they are refused. */
  servedId(modelId: string): string | null {
    const model = this.catalog.resolve(modelId);
    if (model === undefined) return null;
    try {
      return this.serve(model).served.id;
    } catch (error) {
      if (error instanceof RetiredModelError) return null;
      throw error;
    }
  }

  lifecycle(model: CatalogModel): Lifecycle {
    return lifecycleToday(model, { today: this.today(), facts: this.facts });
  }

  /** The live successor a retired or deprecated model points to, for messages and the status page. */
  successor(model: CatalogModel): CatalogModel | undefined {
    return liveSuccessor(this.catalog, model, { today: this.today(), facts: this.facts });
  }

  /** The recommended model if it still lives, else its live successor, else the first stable model. */
  recommended(): CatalogModel | undefined {
    const stable = (model: CatalogModel) => this.lifecycle(model).status === 'stable';
    const marked = this.catalog.list().find((model) => model.recommended && model.status !== 'disabled');
    if (marked && stable(marked)) return marked;
    const next = marked ? this.successor(marked) : undefined;
    if (next && stable(next)) return next;
    return this.catalog.list().find(stable);
  }
}
