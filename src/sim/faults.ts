// Fault injection for the upstream simulator: parses `--fault` strings and decides, deterministically
// (seeded PRNG), which faults hit each model request.

export type FaultSpec =
  | { kind: '503' }
  | { kind: '500' }
  | { kind: '429' }
  | { kind: 'no-image' }
  | { kind: 'unedited' }
  | { kind: 'markdown-image' }
  | { kind: 'url-image' }
  | { kind: 'truncated-stream' }
  | { kind: 'reset' }
  | { kind: 'html-error' }
  | { kind: 'invalid-json' }
  | { kind: 'endless-stream' }
  | { kind: 'usage-drift'; factor: number }
  | { kind: 'latency'; milliseconds: number };

export type FaultKind = FaultSpec['kind'];

const simpleKinds = [
  '503',
  '500',
  '429',
  'no-image',
  'unedited',
  'markdown-image',
  'url-image',
  'truncated-stream',
  'reset',
  'html-error',
  'invalid-json',
  'endless-stream',
] as const;

export const faultKindsHelp = [...simpleKinds, 'usage-drift:<factor>', 'latency:<n>ms|<n>s'];

/** Faults in one group exclude each other: a hit request gets one of them, in rotation. */
const exclusiveGroupOf: Record<FaultKind, string> = {
  '503': 'outcome',
  '500': 'outcome',
  '429': 'outcome',
  reset: 'outcome',
  'html-error': 'outcome',
  'invalid-json': 'outcome',
  'truncated-stream': 'outcome',
  'endless-stream': 'outcome',
  'no-image': 'outcome',
  'markdown-image': 'image-encoding',
  'url-image': 'image-encoding',
  unedited: 'content',
  'usage-drift': 'usage',
  latency: 'latency',
};

export class FaultParseError extends Error {}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!match) throw new FaultParseError(`latency needs a duration like 200ms or 2s, got "${text}"`);
  const value = Number(match[1]);
  return match[2] === 's' ? value * 1000 : value;
}

/** Parses one `--fault` value, e.g. `503`, `usage-drift:1.5`, `latency:200ms`. */
export function parseFault(text: string): FaultSpec {
  const trimmed = text.trim();
  const [name, argument] = trimmed.split(/:(.*)/s, 2);
  if (name === 'usage-drift') {
    const factor = Number(argument);
    if (argument === undefined || !Number.isFinite(factor) || factor < 0) {
      throw new FaultParseError(
        `usage-drift needs a non-negative factor like usage-drift:1.5, got "${text}"`,
      );
    }
    return { kind: 'usage-drift', factor };
  }
  if (name === 'latency') {
    if (argument === undefined) throw new FaultParseError('latency needs a duration like latency:200ms');
    return { kind: 'latency', milliseconds: parseDuration(argument) };
  }
  const simple = simpleKinds.find((kind) => kind === trimmed);
  if (simple) return { kind: simple } as FaultSpec;
  throw new FaultParseError(`unknown fault "${text}"; expected one of ${faultKindsHelp.join(', ')}`);
}

export function normalizeFaults(faults: ReadonlyArray<FaultSpec | string>): FaultSpec[] {
  return faults.map((fault) => (typeof fault === 'string' ? parseFault(fault) : fault));
}

/** Mulberry32: small, fast, seedable; enough for reproducible fault sampling. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The faults chosen for one request, looked up by kind. */
export class ActiveFaults {
  constructor(readonly list: readonly FaultSpec[]) {}

  has(kind: FaultKind): boolean {
    return this.list.some((fault) => fault.kind === kind);
  }

  get latencyMilliseconds(): number {
    const latency = this.list.find((fault) => fault.kind === 'latency');
    return latency?.kind === 'latency' ? latency.milliseconds : 0;
  }

  get usageDriftFactor(): number {
    const drift = this.list.find((fault) => fault.kind === 'usage-drift');
    return drift?.kind === 'usage-drift' ? drift.factor : 1;
  }
}

export const noFaults = new ActiveFaults([]);

/** Holds the runtime-changeable fault list and draws the faults for each model request. */
export class FaultPlan {
  private faults: FaultSpec[] = [];
  private rate = 1;
  private random: () => number;
  private hits = 0;

  constructor(
    faults: ReadonlyArray<FaultSpec | string>,
    rate: number,
    private readonly seed: number,
  ) {
    this.random = createRandom(seed);
    this.set(faults, rate);
  }

  set(faults: ReadonlyArray<FaultSpec | string>, rate = 1): void {
    if (!(rate >= 0 && rate <= 1))
      throw new FaultParseError(`fault rate must be between 0 and 1, got ${rate}`);
    this.faults = normalizeFaults(faults);
    this.rate = rate;
    this.restart();
  }

  restart(): void {
    this.random = createRandom(this.seed);
    this.hits = 0;
  }

  get current(): readonly FaultSpec[] {
    return this.faults;
  }

  /** Draws once per model request; the PRNG advances even when no fault is configured. */
  draw(): ActiveFaults {
    const sample = this.random();
    if (this.faults.length === 0 || sample >= this.rate) return noFaults;
    const hitNumber = this.hits++;
    const groups = new Map<string, FaultSpec[]>();
    for (const fault of this.faults) {
      const group = exclusiveGroupOf[fault.kind];
      groups.set(group, [...(groups.get(group) ?? []), fault]);
    }
    const chosen = [...groups.values()].map((members) => members[hitNumber % members.length]);
    return new ActiveFaults(chosen);
  }
}
