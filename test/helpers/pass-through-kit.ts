// One gateway with two upstream-sim channels that relay the text model gpt-sim-text (Responses
// pass-through), for the pass-through e2e files; what they read of it and the charge they expect.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  imageGenerationUsageOf,
  passThroughCharge,
  responsesUsageOf,
} from '../../src/billing/pass-through-cost.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from './start-gateway.js';

/** gpt-sim-text at $1.25 / $0.125 cached / $10 per 1M tokens. */
export const textPricing = { input: 1250, cachedInput: 125, output: 10000 };
export const imageModelId = 'gpt-image-2.6-sunburst';

function channelYaml(name: string, url: string, priority: number): string {
  return `  - name: ${name}
    provider: openai-compatible
    baseUrl: ${url}
    apiKeys: ["sim-key-${name}"]
    models: [gpt-image-2]
    priority: ${priority}
    responsesModels:
      - id: gpt-sim-text
        inputUsdPerMillion: "1.25"
        cachedInputUsdPerMillion: "0.125"
        outputUsdPerMillion: "10"
        maxOutputTokens: 4000
`;
}

export interface PassThroughKit {
  primary: UpstreamSim;
  secondary: UpstreamSim;
  gateway: TestGateway;
  otherKey: string;
}

/** Starts the gateway and both sims for the calling file, resetting the sims before each test. */
export function usePassThroughGateway(): PassThroughKit {
  const kit = {} as PassThroughKit;
  beforeAll(async () => {
    kit.primary = await startUpstreamSim({ port: 0 });
    kit.secondary = await startUpstreamSim({ port: 0 });
    kit.gateway = await startTestGateway({
      configYaml: `channels:\n${channelYaml('text-primary', kit.primary.url, 10)}${channelYaml('text-secondary', kit.secondary.url, 0)}`,
    });
    kit.otherKey = (
      await createClientKey(kit.gateway.running.gateway.database.db, { name: 'other-client' })
    ).key;
  });
  afterAll(async () => {
    await kit.gateway.close();
    await kit.primary.close();
    await kit.secondary.close();
  });
  beforeEach(() => {
    kit.primary.reset();
    kit.secondary.reset();
    kit.primary.setFaults([]);
  });
  return kit;
}

export function clientOf(gateway: TestGateway, key = gateway.key): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

export async function logRow(gateway: TestGateway, requestId: string) {
  await gateway.settled();
  return gateway.running.gateway.database.db
    .selectFrom('request_log')
    .selectAll()
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
}

export function imageCallsOf(response: { output: unknown[] }) {
  return response.output.filter(
    (item): item is { type: 'image_generation_call'; result: string; status: string } =>
      (item as { type?: string }).type === 'image_generation_call',
  );
}

/** The exact charge of a relayed answer: its usage at the text prices, its tool usage at the image model's. */
export function expectedCharge(gateway: TestGateway, response: unknown): number {
  const usage = responsesUsageOf(response);
  if (!usage) throw new Error('the answer has no usage');
  const imageUsage = imageGenerationUsageOf(response);
  return passThroughCharge({
    text: textPricing,
    usage,
    imageModel: gateway.running.gateway.catalog.resolve(imageModelId)!,
    ...(imageUsage ? { imageUsage } : {}),
    completedImages: imageCallsOf(response as { output: unknown[] }).length,
    tokensPerImage: 0,
  }).micros;
}

/** The Responses requests a sim received. */
export const toolModels = (sim: UpstreamSim) =>
  sim.received
    .filter((request) => request.method === 'POST' && request.path === '/v1/responses')
    .map((request) => request.body as Record<string, unknown>);
