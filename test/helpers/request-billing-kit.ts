import { InProcessAdmission } from '../../src/shared-state/in-process/admission.js';
import { estimatePromptTokens } from '../../src/billing/estimate-tokens.js';
import { Ledger } from '../../src/billing/ledger.js';
import {
  type BillingOutcome,
  type BillingTicket,
  RequestBilling,
  type RequestBillingOptions,
} from '../../src/billing/request-billing.js';
import { expectedCost } from '../../src/billing/worst-case.js';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.js';
import { summarizeRequest } from '../../src/canonical/summarize.js';
import type { GenerateContentRequest, UsageMetadata } from '../../src/canonical/types.js';
import {
  type ClientKeyRecord,
  createClientKey,
  type RequestLogEntry,
  type StoreDatabase,
} from '../../src/store/index.js';

export const model = loadBuiltinCatalog().resolve('gemini-3.1-flash-image')!;
const promptText = 'a red circle on a white background';

export function imageRequest(candidateCount = 1): GenerateContentRequest {
  return {
    contents: [{ role: 'user', parts: [{ text: promptText }] }],
    generationConfig: { responseModalities: ['IMAGE'], candidateCount, imageConfig: { imageSize: '1K' } },
  };
}

export const summaryOf = (request: GenerateContentRequest) =>
  summarizeRequest(request, { imageOnly: false, canOutputImage: true });

/** What the upstream reports for `images` 1K images (and the prompt). */
export function usageFor(images: number): UsageMetadata {
  const imageTokens = images * 1120;
  return {
    promptTokenCount: 12,
    candidatesTokenCount: imageTokens,
    totalTokenCount: 12 + imageTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
    candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }],
  };
}

/** The catalog's price of `images` delivered images of this request (an answer without usage). */
export function catalogPrice(images: number): number {
  const prompt = estimatePromptTokens(imageRequest(), model);
  return expectedCost({ model, prompt, images, imageSize: '1K' }).micros;
}

export function logEntry(
  requestId: string,
  client: ClientKeyRecord,
  outcome: Partial<RequestLogEntry> = {},
): RequestLogEntry {
  return {
    id: requestId,
    createdAt: Date.now(),
    keyId: client.id,
    door: 'gemini',
    model: model.id,
    channel: 'sim',
    status: 200,
    errorClass: null,
    latencyMs: 5,
    attempts: 1,
    imagesOut: 0,
    chargedMicros: 0,
    stream: false,
    ...outcome,
  };
}

/** Billing helpers bound to the store `current()` returns (one store per test file). */
export function requestBillingKit(current: () => StoreDatabase) {
  function billingOn(store: StoreDatabase, options: Partial<RequestBillingOptions> = {}) {
    const errors: Array<{ error: unknown; requestId: string }> = [];
    const billing = new RequestBilling({
      ledger: new Ledger(store.db),
      admission: new InProcessAdmission(),
      config: { driftThreshold: 0.1, heldMultiplier: 1, settleBatchMs: 20 },
      watchdogMs: 60_000,
      onError: (error, requestId) => errors.push({ error, requestId }),
      ...options,
    });
    return { billing, errors };
  }

  // The file's tests share one store: each has keys and request ids of its own.
  let serial = 0;
  const unique = (name: string) => {
    serial += 1;
    return `${name}-${serial}`;
  };

  async function keyWith(settings: Parameters<typeof createClientKey>[1]): Promise<ClientKeyRecord> {
    return (await createClientKey(current().db, { ...settings, name: unique(settings.name) })).record;
  }

  function admit(
    billing: RequestBilling,
    client: ClientKeyRecord,
    requestId: string,
    fields: { candidates?: number; clientRequestId?: string } = {},
  ): Promise<BillingTicket> {
    const request = imageRequest(fields.candidates);
    // Request ids are unique in the log: a test's are named after its key.
    const id = `${client.name}/${requestId}`;
    return billing.admit(
      {
        requestId: id,
        door: 'gemini',
        client,
        model,
        request,
        stream: false,
        clientRequest: fields.clientRequestId ? { id: fields.clientRequestId, requestId: id } : undefined,
      },
      summaryOf(request),
      () => logEntry(id, client, { status: 0 }),
    );
  }

  function close(
    billing: RequestBilling,
    ticket: BillingTicket,
    client: ClientKeyRecord,
    outcome: BillingOutcome,
  ) {
    return billing.close(
      ticket,
      outcome,
      logEntry(ticket.requestId, client, {
        status: outcome.status,
        imagesOut: outcome.imagesOut,
        errorClass: outcome.status >= 400 ? 'connection' : null,
      }),
    );
  }

  async function chargedInLog(requestId: string): Promise<number> {
    const row = await current()
      .db.selectFrom('request_log')
      .select('charged_micros')
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    return Number(row.charged_micros);
  }

  return { billingOn, keyWith, admit, close, chargedInLog };
}
