// Admin API for keys, usage, the ledger, cost estimates and billing consistency. Only the admin key
// may call it (client keys get 403); bodies are validated with zod; errors use the
// {error:{message,type,param,code}} envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { keyRate, keyRateRange, spendLimitMicros, spendLimitRange } from '../billing/key-limits.js';
import { billingStatus, routesUnderReview } from '../billing/reconcile.js';
import {
  ledgerEntries,
  microsToUsd,
  parseSince,
  toCsv,
  UnknownKeyError,
  usageColumns,
  usageReport,
} from '../billing/usage-report.js';
import { errorCatalogue } from '../canonical/error-catalogue.js';
import type { GenerateContentRequest } from '../canonical/types.js';
import type { CatalogModel } from '../catalog/catalog.js';
import { RetiredModelError } from '../catalog/served-model.js';
import { keyView } from '../store/key-view.js';
import {
  type ClientKeyRecord,
  type ClientKeySettings,
  createClientKey,
  getClientKey,
  listClientKeys,
  revokeClientKey,
  updateClientKey,
} from '../store/index.js';
import { requireAdmin } from '../security/admin-auth.js';
import { type Gateway, pendingWritesCommitted } from './gateway.js';
import { summarizeFor } from '../pipeline/generation.js';
import { parseJsonBody } from '../http/parse-json-body.js';

const limit = z
  .number()
  .refine((value) => keyRate(value) !== undefined, { error: `expected ${keyRateRange}` })
  .nullable();
const spendLimitUsd = z
  .number()
  .refine((value) => spendLimitMicros(value) !== undefined, { error: `expected ${spendLimitRange}` })
  .nullable();
const keySettingsSchema = z.strictObject({
  models: z.array(z.string().min(1)).min(1).nullable().optional(),
  spendLimitUsd: spendLimitUsd.optional(),
  controlled: z.boolean().optional(),
  requestsPerMinute: limit.optional(),
  imagesPerMinute: limit.optional(),
  concurrencyLimit: limit.optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
const createKeySchema = keySettingsSchema.extend({ name: z.string().trim().min(1) });
const updateKeySchema = keySettingsSchema.extend({ name: z.string().trim().min(1).optional() });
const estimateSchema = z.looseObject({ model: z.string().min(1) });

function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(parseJsonBody(body));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue.path.join('.') || undefined;
  throw errorCatalogue.INVALID_VALUE(`${param ? `${param}: ` : ''}${issue.message}`, param);
}

/** Settings in store units: model aliases resolved, USD → integer micro-USD, ISO dates → epoch ms. */
function toSettings(gateway: Gateway, body: z.output<typeof keySettingsSchema>): ClientKeySettings {
  const settings: ClientKeySettings = {
    controlled: body.controlled,
    requestsPerMinute: body.requestsPerMinute,
    imagesPerMinute: body.imagesPerMinute,
    concurrencyLimit: body.concurrencyLimit,
  };
  if (body.models !== undefined) {
    settings.models =
      body.models?.map((name, index) => {
        const model = gateway.catalog.resolve(name);
        if (!model) throw errorCatalogue.INVALID_VALUE(`Unknown model "${name}".`, `models.${index}`);
        return model.id;
      }) ?? null;
  }
  if (body.spendLimitUsd !== undefined) {
    settings.spendLimitMicros =
      body.spendLimitUsd === null ? null : (spendLimitMicros(body.spendLimitUsd) ?? null);
  }
  if (body.expiresAt !== undefined)
    settings.expiresAt = body.expiresAt === null ? null : Date.parse(body.expiresAt);
  return settings;
}

function adminKeyView(record: ClientKeyRecord) {
  return {
    ...keyView(record),
    spendLimitMicros: record.spendLimitMicros,
    spentMicros: record.spentMicros,
    reservedMicros: record.reservedMicros,
  };
}

async function findKey(gateway: Gateway, idOrName: string): Promise<ClientKeyRecord> {
  const record = await getClientKey(gateway.database.db, idOrName);
  if (!record) throw errorCatalogue.KEY_NOT_FOUND(idOrName);
  return record;
}

/** The model that would serve a request for `requested`; a retired id the policy refuses is a 410. */
function servedForEstimate(gateway: Gateway, requested: CatalogModel): CatalogModel {
  try {
    return gateway.lifecycle.serve(requested).served;
  } catch (error) {
    if (!(error instanceof RetiredModelError)) throw error;
    throw errorCatalogue.MODEL_RETIRED(error.message);
  }
}

function since(query: Record<string, string | undefined>): number | undefined {
  if (query.since === undefined) return undefined;
  const parsed = parseSince(query.since);
  if (parsed === undefined) {
    throw errorCatalogue.INVALID_VALUE(
      `since "${query.since}" is not a date, epoch ms, or age like 24h or 7d.`,
      'since',
    );
  }
  return parsed;
}

export function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): void {
  const db = () => gateway.database.db;
  // Admin reads see every request answered so far (settles are committed in batches).
  const guard = async (request: FastifyRequest) => {
    requireAdmin(gateway, request);
    await pendingWritesCommitted(gateway);
  };

  app.post('/admin/keys', { preHandler: guard }, async (request, reply) => {
    const body = parseBody(createKeySchema, request.body);
    const settings = toSettings(gateway, body);
    let created: Awaited<ReturnType<typeof createClientKey>>;
    try {
      created = await createClientKey(db(), { name: body.name, ...settings });
    } catch (error) {
      // Two creates of one name at once: the second meets the UNIQUE index instead of the check.
      if (error instanceof Error && /already exists|UNIQUE|unique/.test(error.message)) {
        throw errorCatalogue.CONFLICT(`a client key named "${body.name}" already exists`);
      }
      throw error;
    }
    return reply.code(201).send({ ...adminKeyView(created.record), key: created.key });
  });

  app.get('/admin/keys', { preHandler: guard }, async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const records = await listClientKeys(db(), { includeRevoked: query.all !== 'false' });
    return { keys: records.map(adminKeyView) };
  });

  app.get('/admin/keys/:id', { preHandler: guard }, async (request) => {
    return adminKeyView(await findKey(gateway, (request.params as { id: string }).id));
  });

  app.patch('/admin/keys/:id', { preHandler: guard }, async (request) => {
    const id = (request.params as { id: string }).id;
    const body = parseBody(updateKeySchema, request.body);
    let record: ClientKeyRecord | undefined;
    try {
      record = await updateClientKey(db(), id, { ...toSettings(gateway, body), name: body.name });
    } catch (error) {
      if (error instanceof Error && /UNIQUE|unique/.test(error.message)) {
        throw errorCatalogue.CONFLICT(`a client key named "${body.name}" already exists`);
      }
      throw error;
    }
    if (!record) throw errorCatalogue.KEY_NOT_FOUND(id);
    gateway.auth.invalidate();
    return adminKeyView(record);
  });

  app.delete('/admin/keys/:id', { preHandler: guard }, async (request) => {
    const id = (request.params as { id: string }).id;
    const record = await revokeClientKey(db(), id);
    if (!record) throw errorCatalogue.KEY_NOT_FOUND(id);
    gateway.auth.invalidate();
    return adminKeyView(record);
  });

  app.get('/admin/usage', { preHandler: guard }, async (request, reply: FastifyReply) => {
    const query = request.query as Record<string, string | undefined>;
    let rows: Awaited<ReturnType<typeof usageReport>>;
    try {
      rows = await usageReport(db(), { key: query.key, since: since(query) });
    } catch (error) {
      if (error instanceof UnknownKeyError) throw errorCatalogue.KEY_NOT_FOUND(query.key ?? '');
      throw error;
    }
    if (query.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').send(toCsv(rows, usageColumns));
    }
    if (query.format !== undefined && query.format !== 'json') {
      throw errorCatalogue.INVALID_VALUE(
        `format "${query.format}" is not supported; use csv or json.`,
        'format',
      );
    }
    const totalMicros = rows.reduce((sum, row) => sum + row.chargedMicros, 0);
    return { usage: rows, totalChargedMicros: totalMicros, totalChargedUsd: microsToUsd(totalMicros) };
  });

  app.get('/admin/ledger', { preHandler: guard }, async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const keyId = query.key === undefined ? undefined : (await findKey(gateway, query.key)).id;
    const entries = await ledgerEntries(db(), {
      keyId,
      requestId: query.request,
      limit: Number(query.limit ?? 500),
    });
    return { entries };
  });

  app.post('/admin/estimate', { preHandler: guard }, async (request) => {
    const body = parseBody(estimateSchema, request.body);
    const requested = gateway.catalog.resolve(body.model);
    if (!requested)
      throw errorCatalogue.MODEL_NOT_FOUND(`Unknown model "${body.model}". GET /v1beta/models lists them.`);
    // Priced as a request would be billed: a retired id by the successor that serves it.
    const model = servedForEstimate(gateway, requested);
    const { model: _model, ...generateRequest } = body;
    const canonical = generateRequest as GenerateContentRequest;
    const estimate = gateway.billing.estimate(model, canonical, summarizeFor(model, canonical));
    return {
      model: model.id,
      ...estimate,
      estimatedCostUsd: microsToUsd(estimate.estimatedCostMicros),
      worstCaseUsd: microsToUsd(estimate.worstCaseMicros),
    };
  });

  app.get('/admin/billing', { preHandler: guard }, async (request) => {
    const query = request.query as Record<string, string | undefined>;
    if (query.model !== undefined && query.channel !== undefined) {
      return billingStatus(db(), query.model, query.channel);
    }
    return { underReview: await routesUnderReview(db()) };
  });
}
