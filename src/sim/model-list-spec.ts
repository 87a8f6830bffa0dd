// The shape of a simulated model list as written in a --models file (checked in model-list.ts).

/** One listed model in a spec: its id alone, or the id with details. */
export type ModelEntrySpec =
  | string
  | {
      id: string;
      /** Gemini only: the family whose behaviour the id gets (default: the family its id belongs to). */
      family?: string;
      /** YYYY-MM-DD. OpenAI shows it as `shutdown_date`; Gemini lists no such field. */
      shutdownDate?: string;
      /** OpenAI's `created` (Unix seconds). */
      created?: number;
    };

export interface ProviderModelsSpec {
  /** The ids the provider lists, in list order. */
  models?: ModelEntrySpec[];
  /** Shut-down ids: not listed, and a call naming one answers 404. */
  gone?: string[];
}

/** The shape of a --models file and of `UpstreamSimOptions.models`; a provider left out keeps its default list. */
export interface ModelListSpec {
  gemini?: ProviderModelsSpec;
  openai?: ProviderModelsSpec;
}
