// What a channel's upstream lists today: the shape each provider's listing client returns, and the one
// bounded GET they share. Upstream answers are untrusted: size, nesting, page count and time are
// bounded, ids are checked, and upstream text reaches the gateway's output only scrubbed.
import { request as undiciRequest } from 'undici';
import type { ErrorClass } from '../canonical/errors.js';
import { excessNestingOffset, maxJsonNesting } from '../canonical/json-nesting.js';
import { BodyTooLargeError, collectBody } from '../http/collect-body.js';
import { knownSecrets } from '../security/known-secrets.js';
import { scrubSecrets } from '../security/scrub-secrets.js';
import { connectionError } from './gemini/client.js';
import { upstreamAgent } from '../http/upstream-agent.js';

export interface ListedModel {
  /** The id to call, as the upstream names it (Gemini's `models/` prefix removed). */
  upstreamId: string;
  /** YYYY-MM-DD the upstream announced the model shuts down, or null. */
  shutdown: string | null;
  displayName?: string;
  description?: string;
  version?: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  thinking?: boolean;
  /** Gemini `supportedGenerationMethods`. */
  methods?: string[];
  /** YYYY-MM-DD from OpenAI's `created` (when the upstream made the model). */
  created?: string;
}

export interface UpstreamListing {
  models: ListedModel[];
  /** Entries left out: not an object, or an id that is not a model id. */
  skipped: number;
  pages: number;
}

/** Which wire's model list a provider speaks. */
export type ListingFamily = 'gemini' | 'openai';

export interface ListingTarget {
  channelName: string;
  baseUrl: string;
  apiKey?: string;
  authStyle: 'header' | 'query' | 'bearer';
  signal: AbortSignal;
}

export type ModelLister = (target: ListingTarget) => Promise<UpstreamListing>;

/** Bounds on one channel's list: far above any real one (Google caps a page at 1000 models). */
export const listingLimits = {
  bodyBytes: 8 * 1024 * 1024,
  pages: 50,
  models: 10_000,
  textLength: 200,
} as const;

/**
 * A list that could not be read. `message` is the gateway's words ("HTTP 401 (auth)", "the answer is
 * not JSON"); `detail` the upstream's own message, scrubbed of secrets and control characters.
 */
export class ListingError extends Error {
  constructor(
    message: string,
    readonly errorClass: ErrorClass,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ListingError';
  }
}

const modelIdShape = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
const isoDateShape = /^\d{4}-\d{2}-\d{2}$/;

/** The id when it reads as a model id (bounded, printable, no spaces), else undefined. */
export function modelIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && modelIdShape.test(value) ? value : undefined;
}

/** A YYYY-MM-DD that is a real date, else null. */
export function isoDateOf(value: unknown): string | null {
  if (typeof value !== 'string' || !isoDateShape.test(value)) return null;
  const parsed = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== value ? null : value;
}

/** Upstream text for display: no control characters, bounded; undefined when not a string. */
export function displayTextOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return undefined;
  return text.length > listingLimits.textLength ? `${text.slice(0, listingLimits.textLength - 1)}…` : text;
}

/** A count the upstream states (token limits): a positive safe integer, else undefined. */
export function positiveIntegerOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The upstream's own error message, scrubbed of every secret this process knows and secret shapes. */
function upstreamDetail(body: unknown): string | undefined {
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  const message =
    typeof error === 'string'
      ? error
      : error !== null && typeof error === 'object'
        ? (error as { message?: unknown }).message
        : undefined;
  if (typeof message !== 'string') return undefined;
  return displayTextOf(scrubSecrets(message, knownSecrets()));
}

/** The class a failed list answer has, read from its status and (parsed) body; per provider. */
export type ClassifyListingFailure = (httpStatus: number, body: unknown) => ErrorClass;

/**
 * GETs one list page and returns its parsed JSON. Throws ListingError for a non-2xx answer, an answer
 * too large or nested too deep, one that is not JSON, or no answer at all.
 */
export async function getListingJson(
  url: string,
  headers: Record<string, string>,
  target: ListingTarget,
  classify: ClassifyListingFailure,
): Promise<unknown> {
  let answer: Awaited<ReturnType<typeof undiciRequest>>;
  let bytes: Buffer;
  try {
    answer = await undiciRequest(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal: target.signal,
      dispatcher: upstreamAgent,
    });
    const declared = answer.headers['content-length'];
    bytes = await collectBody(answer.body, {
      declaredLength: Array.isArray(declared) ? declared[0] : declared,
      limit: listingLimits.bodyBytes,
    });
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new ListingError(`the answer is larger than ${listingLimits.bodyBytes} bytes`, 'upstream_bug');
    }
    const failure = connectionError(target.channelName, error, target.signal);
    if (failure.errorClass === 'timeout')
      throw new ListingError('the upstream did not answer in time', 'timeout');
    const code = (error as { code?: unknown }).code;
    const named = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : '';
    throw new ListingError(`could not reach the upstream${named}`, failure.errorClass);
  }
  const body = parseJson(bytes);
  if (answer.statusCode >= 300) {
    const parsed = body === parseFailure ? undefined : body;
    const errorClass = classify(answer.statusCode, parsed);
    throw new ListingError(`HTTP ${answer.statusCode} (${errorClass})`, errorClass, upstreamDetail(parsed));
  }
  if (body === parseFailure) {
    const tooDeep = excessNestingOffset(bytes) >= 0;
    throw new ListingError(
      tooDeep ? `the answer nests deeper than ${maxJsonNesting} levels` : 'the answer is not JSON',
      'upstream_bug',
    );
  }
  return body;
}

const parseFailure = Symbol('not JSON');

function parseJson(bytes: Buffer): unknown {
  if (excessNestingOffset(bytes) >= 0) return parseFailure;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return parseFailure;
  }
}

/** A list answer that parsed but is not the list the wire promises. */
export function malformedListing(problem: string): ListingError {
  return new ListingError(problem, 'upstream_bug');
}
