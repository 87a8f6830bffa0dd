// A channel as routing sees it: one upstream route with its keys, models and weights.
import type { ResponsesModelConfig } from '../config/types.js';
import type { Provider } from '../providers/types.js';

export interface RouteChannel {
  name: string;
  providerType: string;
  provider: Provider;
  baseUrl: string;
  apiKeys: string[];
  /** Public model ids this channel serves. */
  models: string[];
  /** Public id → upstream model name. */
  modelMap: Record<string, string>;
  priority: number;
  weight: number;
  timeoutMs: number;
  /** Provider-specific settings (authStyle, vertex project/location…). */
  options: Record<string, unknown>;
  /** Text models relayed as-is to the upstream's `/v1/responses` (OpenAI-wire channels only). */
  responsesModels?: readonly ResponsesModelConfig[];
}

export function upstreamModelName(channel: RouteChannel, publicModelId: string): string {
  return channel.modelMap[publicModelId] ?? publicModelId;
}
