// Where and how a Gemini-wire request goes: URL per provider flavour and auth style. Pure.
import type { UpstreamTarget } from '../types.js';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens';
export type GeminiAuthStyle = 'header' | 'query' | 'bearer';

export interface HttpRequestPlan {
  url: string;
  headers: Record<string, string>;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** AI Studio and Gemini-compatible routers: `{base}/v1beta/models/{m}:{method}`. */
export function planGeminiRequest(
  target: UpstreamTarget,
  method: GeminiMethod,
  authStyle: GeminiAuthStyle,
): HttpRequestPlan {
  const model = encodeURIComponent(target.upstreamModel.replace(/^models\//, ''));
  const apiVersion = typeof target.options.apiVersion === 'string' ? target.options.apiVersion : 'v1beta';
  const url = new URL(`${trimSlash(target.baseUrl)}/${apiVersion}/models/${model}:${method}`);
  if (method === 'streamGenerateContent') url.searchParams.set('alt', 'sse');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey) {
    if (authStyle === 'query') url.searchParams.set('key', target.apiKey);
    else if (authStyle === 'bearer') headers.authorization = `Bearer ${target.apiKey}`;
    else headers['x-goog-api-key'] = target.apiKey;
  }
  return { url: url.toString(), headers };
}

/** Vertex AI: `{base}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method}` with an OAuth token. */
export function planVertexRequest(
  target: UpstreamTarget,
  method: GeminiMethod,
  project: string,
  location: string,
  accessToken: string,
): HttpRequestPlan {
  const model = encodeURIComponent(target.upstreamModel.replace(/^models\//, ''));
  const url = new URL(
    `${trimSlash(target.baseUrl)}/v1/projects/${project}/locations/${location}/publishers/google/models/${model}:${method}`,
  );
  if (method === 'streamGenerateContent') url.searchParams.set('alt', 'sse');
  return {
    url: url.toString(),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
  };
}
