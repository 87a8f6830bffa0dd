// Runs the retest template through the running gateway over real loopback HTTP, one route at a time
// (model × channel pinned with the internal token × front door), judges the answer by its pixels,
// and stores each result with latency, usage, billed amount, expected tokens and thumbnails.
import { randomUUID } from 'node:crypto';
import { outputImageTokens } from '../catalog/catalog.js';
import type { ModelCatalog } from '../catalog/catalog.js';
import type { StoreDatabase } from '../store/index.js';
import { imageVerdictOutcomes, insertRetestResult, type RetestVerdictRow } from '../store/retest-results.js';
import { requestLogEntry } from '../store/route-traffic.js';
import { judgeRetestOutput, type RetestMetrics } from './pixel-verdict.js';
import { buildDoorRequest, errorMessageOf, imageFromDoorAnswer } from './retest-doors.js';
import type { RetestCredentials } from './retest-key.js';
import {
  isMissingDoorAnswer,
  outcomeForFailure,
  type RetestDoor,
  type RetestOutcome,
} from './retest-outcome.js';
import type { RetestTarget } from './retest-plan.js';
import { makeRetestImage } from './retest-template.js';
import { makeThumbnail } from './thumbnails.js';
import type { RouteDemotions } from './route-demotions.js';
import type { RoutePresenceMarks } from './route-presence-marks.js';

export interface RetestResult extends RetestTarget {
  id: string;
  createdAt: number;
  outcome: RetestOutcome;
  httpStatus: number | null;
  errorClass: string | null;
  latencyMs: number;
  /** False when the door's route is not registered in this build (answered a generic 404). */
  doorAvailable: boolean;
  reasons: string[];
  metrics: RetestMetrics;
  usage: {
    promptTokens: number | null;
    candidatesTokens: number | null;
    totalTokens: number | null;
    outputImageTokens: number | null;
  } | null;
  billedMicros: number | null;
  expectedOutputImageTokens: number | null;
  expectedMicros: number | null;
  requestId: string;
}

/** What a retest run needs from the running gateway (src/server/assemble.ts builds it). */
export interface RetestDeps {
  catalog: ModelCatalog;
  database: StoreDatabase;
  /** Lets a retest pin its route (src/pipeline/pinned-channel.ts). */
  internalToken: string;
  routeDemotions: RouteDemotions;
  routeMarks: RoutePresenceMarks;
  /** Resolves once every settle and log row queued so far is committed, on every worker of the node. */
  writesCommitted: () => Promise<void>;
}

export interface RetestRunnerOptions {
  deps: RetestDeps;
  /** Where the gateway listens on loopback, e.g. http://127.0.0.1:8787. */
  baseUrl: () => string;
  credentials: RetestCredentials;
  /** Per retest; a slower answer is the outcome `timeout`. Default 120 s. */
  timeoutMs?: number;
  now?: () => number;
}

interface HttpAnswer {
  status: number;
  body: unknown;
  /** The gateway's own id of the request (its log row), from the answer's x-request-id. */
  requestId: string | null;
}

export class RetestRunner {
  private template: Promise<Buffer> | undefined;

  constructor(private readonly options: RetestRunnerOptions) {}

  /** Runs the targets in order; `onResult` sees each result as soon as it is stored. */
  async run(targets: readonly RetestTarget[], onResult?: (result: RetestResult, index: number) => void) {
    await this.options.credentials.prepare();
    const results: RetestResult[] = [];
    for (const [index, target] of targets.entries()) {
      const result = await this.runOne(target);
      results.push(result);
      onResult?.(result, index);
    }
    return results;
  }

  async runOne(target: RetestTarget): Promise<RetestResult> {
    const { deps } = this.options;
    const now = this.options.now ?? Date.now;
    this.template ??= makeRetestImage();
    const input = await this.template;
    const requestId = `retest-${randomUUID()}`;
    const createdAt = now();
    const started = performance.now();
    let sentId = requestId;
    let answer = await this.send(target, input, sentId);
    if (answer !== 'timeout' && answer !== 'connection' && answer.status === 401) {
      // Another process may have rotated the shared retest key since this run started.
      await this.options.credentials.prepare();
      sentId = `${requestId}-again`;
      answer = await this.send(target, input, sentId);
    }
    const latencyMs = Math.round(performance.now() - started);
    await deps.writesCommitted();
    // The log row is keyed by the gateway's own id; the id sent is only the client's.
    const loggedId = typeof answer === 'object' ? (answer.requestId ?? sentId) : sentId;
    const logged = await requestLogEntry(deps.database.db, loggedId).catch(() => undefined);
    const verdict = await this.judge(target.door, input, answer, logged?.error_class ?? null);
    const model = deps.catalog.resolve(target.model);
    const expectedTokens = model ? outputImageTokens(model) : null;
    const result: RetestResult = {
      ...target,
      id: requestId.replace(/^retest-/, 'rt_'),
      createdAt,
      httpStatus: typeof answer === 'string' ? null : answer.status,
      errorClass: logged?.error_class ?? verdict.errorClass,
      latencyMs,
      doorAvailable: verdict.doorAvailable,
      outcome: verdict.outcome,
      reasons: verdict.reasons,
      metrics: verdict.metrics,
      usage: logged
        ? {
            promptTokens: nullableNumber(logged.prompt_tokens),
            candidatesTokens: nullableNumber(logged.candidates_tokens),
            totalTokens: nullableNumber(logged.total_tokens),
            outputImageTokens: nullableNumber(logged.output_image_tokens),
          }
        : null,
      billedMicros: logged ? Number(logged.charged_micros) : null,
      expectedOutputImageTokens: expectedTokens,
      expectedMicros:
        model && expectedTokens !== null
          ? Math.round((expectedTokens * model.pricing.outputImage) / 1000)
          : null,
      requestId: loggedId,
    };
    await insertRetestResult(deps.database.db, {
      id: result.id,
      createdAt,
      model: target.model,
      channel: target.channel,
      door: target.door,
      outcome: result.outcome,
      errorClass: result.errorClass,
      latencyMs,
      usage: result.usage,
      billedMicros: result.billedMicros,
      expectedMicros: result.expectedMicros,
      inputThumb: (await makeThumbnail(input)) ?? null,
      outputThumb: verdict.output ? ((await makeThumbnail(verdict.output)) ?? null) : null,
      details: {
        reasons: result.reasons,
        metrics: result.metrics,
        httpStatus: result.httpStatus,
        requestId: loggedId,
        doorAvailable: result.doorAvailable,
        expectedOutputImageTokens: expectedTokens,
      },
    });
    if (isImageVerdict(result.outcome)) {
      deps.routeDemotions.record({ ...target, outcome: result.outcome, createdAt });
      // The upstream answered for the model (whatever the pixels say): a NOT_FOUND mark no longer holds.
      await deps.routeMarks.markFound(target.channel, target.model, ['not_found']);
    }
    return result;
  }

  private async send(
    target: RetestTarget,
    input: Buffer,
    requestId: string,
  ): Promise<HttpAnswer | 'timeout' | 'connection'> {
    const request = buildDoorRequest(target.door, target.model, input);
    try {
      const response = await fetch(this.options.baseUrl() + request.path, {
        method: 'POST',
        headers: {
          ...request.headers,
          ...this.options.credentials.authorization(),
          'x-request-id': requestId,
          'x-imagegate-pin-channel': target.channel,
          'x-imagegate-internal-token': this.options.deps.internalToken,
        },
        body: request.body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = { error: { message: text.slice(0, 300) } };
      }
      return { status: response.status, body, requestId: response.headers.get('x-request-id') };
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
    }
  }

  private async judge(
    door: RetestDoor,
    input: Buffer,
    answer: HttpAnswer | 'timeout' | 'connection',
    loggedErrorClass: string | null,
  ): Promise<{
    outcome: RetestOutcome;
    errorClass: string | null;
    reasons: string[];
    metrics: RetestMetrics;
    doorAvailable: boolean;
    output?: Buffer;
  }> {
    if (answer === 'timeout') {
      return {
        outcome: 'timeout',
        errorClass: 'timeout',
        reasons: ['no answer in time'],
        metrics: {},
        doorAvailable: true,
      };
    }
    if (answer === 'connection') {
      const reasons = ['could not reach the gateway on loopback'];
      return {
        outcome: 'error:connection',
        errorClass: 'connection',
        reasons,
        metrics: {},
        doorAvailable: true,
      };
    }
    if (answer.status !== 200) {
      const message = errorMessageOf(answer.body);
      const doorAvailable = !isMissingDoorAnswer(answer.status, message);
      const reasons = [
        doorAvailable
          ? `HTTP ${answer.status}: ${message}`
          : `the ${door} door is not available in this build`,
      ];
      const outcome = outcomeForFailure(answer.status, loggedErrorClass, message);
      return { outcome, errorClass: outcome.replace(/^error:/, ''), reasons, metrics: {}, doorAvailable };
    }
    const output = imageFromDoorAnswer(door, answer.body);
    const verdict = await judgeRetestOutput(input, output ? { data: output } : undefined);
    return {
      outcome: verdict.outcome,
      errorClass: verdict.outcome === 'pass' ? null : verdict.outcome,
      reasons: verdict.reasons,
      metrics: verdict.metrics,
      doorAvailable: true,
      output,
    };
  }
}

function isImageVerdict(outcome: string): outcome is RetestVerdictRow['outcome'] {
  return (imageVerdictOutcomes as readonly string[]).includes(outcome);
}

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

export function summarizeRun(results: readonly RetestResult[]) {
  const counted = results.filter((result) => result.doorAvailable);
  return {
    total: results.length,
    passed: counted.filter((result) => result.outcome === 'pass').length,
    failed: counted.filter((result) => result.outcome !== 'pass').length,
    skippedDoors: results.length - counted.length,
  };
}
