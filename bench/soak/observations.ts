// Everything the soak's clients saw, reduced as it arrives: statuses per scenario, images received
// per key, and the first examples of every rule an answer broke. Bodies are not kept.
import { createHash } from 'node:crypto';

export interface Answer {
  scenario: string;
  path: string;
  /** The soak's name of a valid client key used, or undefined for no key / a wrong one. */
  keyName?: string;
  /** The client's `x-request-id`: images under one reused id count once per distinct image. */
  clientRequestId?: string;
  /** 0 when no answer came (connection error, or no answer before the client's deadline). */
  status: number;
  body: string;
  /** The client left on purpose; a missing or partial answer is expected. */
  leftEarly?: boolean;
  /** Hostile input: the answer must be a 4xx. */
  expectClientError?: boolean;
}

export interface Finding {
  count: number;
  examples: string[];
}

// Error text that only a database produces (SQLite, PostgreSQL, Kysely), never the gateway's words.
const databaseText =
  /SQLITE_[A-Z]|UNIQUE constraint|constraint failed|duplicate key value|violates (?:unique|foreign|not-null)|syntax error at or near|relation "\w+"|insert into "?\w|select .{0,80} from "?\w|no such table/i;

// Image payloads in answers on every door: Gemini `inlineData.data`, OpenAI `b64_json`, chat data URLs.
const imagePayload =
  /(?:"data"|"b64_json"):\s*"([A-Za-z0-9+/]{100,}={0,2})"|;base64,([A-Za-z0-9+/]{100,}={0,2})/g;

export function imagesIn(body: string): string[] {
  const images: string[] = [];
  for (const match of body.matchAll(imagePayload)) images.push(match[1] ?? match[2]);
  return images;
}

function hasErrorEnvelope(path: string, body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null) return false;
  if (path.startsWith('/v1beta/'))
    return (
      typeof error.code === 'number' && typeof error.status === 'string' && typeof error.message === 'string'
    );
  return typeof error.message === 'string' && typeof error.type === 'string';
}

export class Observations {
  readonly statuses = new Map<string, Map<number, number>>();
  readonly findings = new Map<string, Finding>();
  /** Images each key's clients received (distinct images per reused request id). */
  readonly imagesReceived = new Map<string, number>();
  private readonly imagesPerRequestId = new Map<string, Set<string>>();
  answers = 0;

  constructor(private readonly providerKeys: readonly string[]) {}

  /** Notes a broken rule with an example (provider keys in the example are masked). */
  note(rule: string, example: string): void {
    const finding = this.findings.get(rule) ?? { count: 0, examples: [] };
    finding.count += 1;
    if (finding.examples.length < 3) finding.examples.push(this.mask(example).slice(0, 300));
    this.findings.set(rule, finding);
  }

  record(answer: Answer): void {
    this.answers += 1;
    const byStatus = this.statuses.get(answer.scenario) ?? new Map<number, number>();
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    this.statuses.set(answer.scenario, byStatus);
    const where = `${answer.scenario} ${answer.path} → ${answer.status}: ${answer.body.slice(0, 200)}`;

    for (const key of this.providerKeys)
      if (answer.body.includes(key)) this.note('provider key in an answer', where);
    if (databaseText.test(answer.body)) this.note('database text in an answer', where);
    if (answer.status === 500) this.note('HTTP 500', where);
    if (answer.status === 0 && !answer.leftEarly) this.note('no answer', where);
    if (answer.status === 401 && answer.keyName !== undefined)
      this.note('valid client key answered 401', where);
    if (answer.expectClientError && !(answer.status >= 400 && answer.status < 500))
      this.note('hostile input not answered with a 4xx', where);
    const isApi = answer.path.startsWith('/v1') || answer.path.startsWith('/admin/');
    if (isApi && answer.status >= 400 && !hasErrorEnvelope(answer.path, answer.body))
      this.note("error not in the door's envelope", where);
    if (answer.keyName !== undefined) this.countImages(answer.keyName, answer.clientRequestId, answer.body);
  }

  private countImages(keyName: string, clientRequestId: string | undefined, body: string): void {
    const images = imagesIn(body);
    if (images.length === 0) return;
    let fresh = images.length;
    if (clientRequestId !== undefined) {
      // A replay that returns the stored answer repeats the same bytes; a fresh generation does not
      // (reused ids are sent with a different prompt each time).
      const seen = this.imagesPerRequestId.get(`${keyName}\n${clientRequestId}`) ?? new Set<string>();
      fresh = 0;
      for (const image of images) {
        const digest = createHash('sha1').update(image).digest('hex');
        if (!seen.has(digest)) fresh += 1;
        seen.add(digest);
      }
      this.imagesPerRequestId.set(`${keyName}\n${clientRequestId}`, seen);
    }
    this.imagesReceived.set(keyName, (this.imagesReceived.get(keyName) ?? 0) + fresh);
  }

  mask(text: string): string {
    let masked = text;
    for (const key of this.providerKeys) masked = masked.split(key).join('<provider key>');
    return masked;
  }
}
