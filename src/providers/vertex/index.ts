// Provider `vertex`: Gemini on Vertex AI with a service-account OAuth token, at
// `{base}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent`.
import type { VertexChannelConfig } from '../../config/index.js';
import { createGeminiWireProvider } from '../gemini/client.js';
import { planVertexRequest } from '../gemini/convert-request.js';
import type { Provider } from '../types.js';
import { readServiceAccount, ServiceAccountTokenSource } from './service-account-token.js';

export function createVertexProvider(): Provider {
  const tokenSources = new Map<string, ServiceAccountTokenSource>();
  const tokenSourceFor = (vertex: VertexChannelConfig) => {
    const key = `${vertex.credentialsFile}\u0000${vertex.tokenUrl ?? ''}`;
    let source = tokenSources.get(key);
    if (!source) {
      const account = readServiceAccount(vertex.credentialsFile);
      source = new ServiceAccountTokenSource(account, vertex.tokenUrl ?? account.token_uri);
      tokenSources.set(key, source);
    }
    return source;
  };
  return createGeminiWireProvider(async (target, method) => {
    const vertex = target.options.vertex as VertexChannelConfig;
    const token = await tokenSourceFor(vertex).token(target.signal);
    return planVertexRequest(target, method, vertex.project, vertex.location, token);
  });
}
