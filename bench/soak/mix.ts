// What the soak sends: ordinary traffic on every door from a few workers, and beside it each
// hostile case at a low rate (one scenario per defect class, each on its own timer).
import { adminKey, requestTimeoutMs } from './gateway-process.js';
import {
  exchange,
  leaveWhileSending,
  pacedChunkedUpload,
  type Reply,
  stalledChunked,
  streamUntilImage,
} from './clients.js';
import type { Answer, Observations } from './observations.js';
import {
  chatEdit,
  geminiEdit,
  geminiHeaders,
  geminiPath,
  imagesGeneration,
  nestedBodies,
  openAiHeaders,
  regexBlowupInstruction,
  type SoakImages,
} from './requests.js';
import { models } from './upstreams.js';

/** The soak's client keys by name; `limit-*` keys have small spend limits. */
export const keyPlan = {
  main: undefined,
  'reuse-a': undefined,
  'reuse-b': undefined,
  'limit-gemini': 0.2,
  'limit-chat': 0.2,
  'limit-gpt': 0.5,
} as const satisfies Record<string, number | undefined>;

export type KeyName = keyof typeof keyPlan;

export interface MixContext {
  url: string;
  keys: Record<KeyName, string>;
  images: SoakImages;
  observations: Observations;
  /** Epoch ms at which traffic stops. */
  endsAt: number;
  /** Unauthenticated uploads: how much of the body was sent when the answer came. */
  uploads: UploadNote[];
  /** Stalled bodies: whether and when they were answered. */
  stalls: StallNote[];
}

export interface UploadNote {
  scenario: string;
  status: number;
  sentShareAtAnswer: number;
}

export interface StallNote {
  scenario: string;
  status: number;
  waitedMs: number;
}

let sequenceNumber = 0;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function nextId(prefix: string): string {
  sequenceNumber += 1;
  return `soak-${prefix}-${Date.now().toString(36)}-${sequenceNumber}`;
}

function record(
  context: MixContext,
  scenario: string,
  path: string,
  reply: Reply,
  extra: Partial<Answer> = {},
): void {
  context.observations.record({ scenario, path, status: reply.status, body: reply.body, ...extra });
}

async function post(
  context: MixContext,
  scenario: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
  extra: Partial<Answer> & { leaveAfterMs?: number; timeoutMs?: number } = {},
): Promise<Reply> {
  const { leaveAfterMs, timeoutMs, ...answer } = extra;
  const reply = await exchange(`${context.url}${path}`, { headers, body, leaveAfterMs, timeoutMs });
  record(context, scenario, path, reply, { leftEarly: leaveAfterMs !== undefined, ...answer });
  return reply;
}

/** One ordinary request on the main key (no spend limit), by rotation over doors and modes. */
export async function normalRequest(context: MixContext, sequence: number): Promise<void> {
  const key = context.keys.main;
  const id = nextId('n');
  const known = { keyName: 'main', clientRequestId: id };
  const small = context.images.small;
  switch (sequence % 12) {
    case 0:
      await post(
        context,
        'gemini unary',
        geminiPath(models.flash),
        geminiHeaders(key, id),
        geminiEdit('grayscale', small, ['TEXT', 'IMAGE']),
        known,
      );
      return;
    case 1:
      await post(
        context,
        'gemini stream',
        geminiPath(models.flash, true),
        geminiHeaders(key, id),
        geminiEdit('invert', small, ['IMAGE']),
        known,
      );
      return;
    case 2:
      await post(
        context,
        'local engine',
        geminiPath(models.local),
        geminiHeaders(key, id),
        geminiEdit('rotate 90 degrees', small),
        known,
      );
      return;
    case 3:
      await post(
        context,
        'images generation',
        '/v1/images/generations',
        openAiHeaders(key, id),
        imagesGeneration(models.flash),
        known,
      );
      return;
    case 4:
      await post(
        context,
        'chat unary',
        '/v1/chat/completions',
        openAiHeaders(key, id),
        chatEdit(small, ['image', 'text']),
        known,
      );
      return;
    case 5:
      await post(
        context,
        'chat stream',
        '/v1/chat/completions',
        openAiHeaders(key, id),
        chatEdit(small, ['image', 'text'], true),
        known,
      );
      return;
    case 6:
      await post(
        context,
        'gpt-image',
        '/v1/images/generations',
        openAiHeaders(key, id),
        imagesGeneration(models.gptImage, { quality: 'low', size: '1024x1024' }),
        known,
      );
      return;
    case 7:
      await post(
        context,
        'key-echo upstream (gemini)',
        geminiPath(models.pro),
        geminiHeaders(key, id),
        geminiEdit('grayscale', small, ['TEXT', 'IMAGE']),
        known,
      );
      return;
    case 8:
      await post(
        context,
        'key-echo and 401 upstreams (openai)',
        '/v1/images/generations',
        openAiHeaders(key, id),
        imagesGeneration(models.gptImageMini, { quality: 'low', size: '1024x1024' }),
        known,
      );
      return;
    case 9:
      await post(
        context,
        'client leaves mid-request',
        geminiPath(models.flash),
        geminiHeaders(key, id),
        geminiEdit('blur', small, ['TEXT', 'IMAGE']),
        { ...known, leaveAfterMs: 20 + (sequence % 7) * 15 },
      );
      return;
    case 10:
      await post(
        context,
        'images stream',
        '/v1/images/generations',
        openAiHeaders(key, id),
        imagesGeneration(models.flash, { stream: true }),
        known,
      );
      return;
    default:
      await post(
        context,
        'malformed',
        geminiPath(models.flash),
        geminiHeaders(key, id),
        '{"contents": [{"parts": [{"inlineData": {"data": "!!"}}]}]}',
        { ...known, expectClientError: true },
      );
  }
}

type Run = (context: MixContext) => Promise<void>;

export interface Scenario {
  name: string;
  /** Pause between two runs (a run's own time is not counted). */
  everySeconds: number;
  run: Run;
}

async function burst(count: number, one: (index: number) => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, index) => one(index)));
}

const spendLimitGemini: Run = (context) =>
  burst(5, () =>
    post(
      context,
      'spend limit, no responseModalities',
      geminiPath(models.flash),
      geminiHeaders(context.keys['limit-gemini']),
      geminiEdit('grayscale', context.images.small),
      { keyName: 'limit-gemini' },
    ),
  );

const spendLimitChat: Run = (context) =>
  burst(5, () =>
    post(
      context,
      'spend limit, chat without modalities',
      '/v1/chat/completions',
      openAiHeaders(context.keys['limit-chat']),
      chatEdit(context.images.small),
      { keyName: 'limit-chat' },
    ),
  );

const spendLimitGptImage: Run = (context) =>
  burst(4, () =>
    post(
      context,
      'spend limit, gpt-image quality/size',
      '/v1/images/generations',
      openAiHeaders(context.keys['limit-gpt']),
      imagesGeneration(models.gptImage, { quality: 'high', size: '1536x1024' }),
      { keyName: 'limit-gpt' },
    ),
  );

/** The same id twice in a row, with a different prompt: a second image must not be free. */
const reusedIdSequential: Run = async (context) => {
  const id = nextId('reuse');
  for (const colour of ['red', 'green']) {
    await post(
      context,
      'reused id, one key',
      geminiPath(models.flash),
      geminiHeaders(context.keys['reuse-a'], id),
      geminiEdit(`change the background to ${colour}`, context.images.small, ['TEXT', 'IMAGE']),
      { keyName: 'reuse-a', clientRequestId: id },
    );
  }
};

/** Two tenants pick the same id at the same moment: neither may hurt the other. */
const reusedIdTwoKeys: Run = (context) => {
  const id = nextId('shared');
  return burst(2, (index) => {
    const keyName = index === 0 ? 'reuse-a' : 'reuse-b';
    return post(
      context,
      'same id, two keys',
      geminiPath(models.flash),
      geminiHeaders(context.keys[keyName], id),
      geminiEdit(`change the background to ${index === 0 ? 'blue' : 'yellow'}`, context.images.small, [
        'TEXT',
        'IMAGE',
      ]),
      { keyName, clientRequestId: id },
    );
  });
};

/** A client gives up on a slow call and retries with the same id while the first is in flight. */
const idempotentRetry: Run = async (context) => {
  const id = nextId('retry');
  const headers = geminiHeaders(context.keys['reuse-b'], id);
  const body = (colour: string) =>
    geminiEdit(`change the background to ${colour}`, context.images.small, ['TEXT', 'IMAGE']);
  const first = post(context, 'idempotent retry', geminiPath(models.flash), headers, body('white'), {
    keyName: 'reuse-b',
    clientRequestId: id,
    leaveAfterMs: 15,
  });
  await sleep(5);
  await Promise.all([
    first,
    post(context, 'idempotent retry', geminiPath(models.flash), headers, body('black'), {
      keyName: 'reuse-b',
      clientRequestId: id,
    }),
  ]);
};

const regexBlowup: Run = async (context) => {
  await post(
    context,
    'engine instruction of 60,000 characters',
    geminiPath(models.local),
    geminiHeaders(context.keys.main),
    geminiEdit(regexBlowupInstruction, context.images.small),
    { keyName: 'main' },
  );
};

const hugePixels: Run = (context) =>
  burst(2, () =>
    post(
      context,
      '7000×7000 PNG on the engine',
      geminiPath(models.local),
      geminiHeaders(context.keys.main),
      geminiEdit('grayscale', context.images.huge),
      { keyName: 'main' },
    ),
  );

const nestedJson: Run = async (context) => {
  for (const { path, body, door } of nestedBodies(context.images.small)) {
    const headers =
      door === 'gemini'
        ? geminiHeaders(context.keys.main)
        : door === 'openai'
          ? openAiHeaders(context.keys.main)
          : openAiHeaders(adminKey);
    await post(context, `nested JSON (${door})`, path, headers, body, { expectClientError: true });
  }
};

/**
 * Large bodies: a real ≥ 1 MiB edit on the slow route holds body memory for 1.5 s; meanwhile clients
 * announce 2 MiB bodies on each door and on /admin/keys (no key), queue behind it and leave; then
 * one leaves half-way through sending its body. Their room must come back (checked at the end).
 */
const largeBodyLeavers: Run = async (context) => {
  const declared = 2 * 1024 * 1024;
  const keyed = { gemini: geminiHeaders(context.keys.main), openAi: openAiHeaders(context.keys.main) };
  const holder = post(
    context,
    'large edit on a slow route',
    geminiPath(models.pro),
    keyed.gemini,
    geminiEdit('grayscale', context.images.large, ['TEXT', 'IMAGE']),
    { keyName: 'main' },
  );
  await sleep(300);
  const leave = (path: string, headers: Record<string, string>, sentBytes = 0) =>
    leaveWhileSending(`${context.url}${path}`, headers, declared, sentBytes, 400);
  await Promise.all([
    holder,
    leave(geminiPath(models.flash), keyed.gemini),
    leave('/v1/chat/completions', keyed.openAi),
    leave('/v1/images/generations', keyed.openAi),
    leave('/admin/keys', { 'content-type': 'application/json' }),
  ]);
  await leave(geminiPath(models.flash), keyed.gemini, declared / 2);
};

/** Unauthenticated chunked bodies of a few MB: the gateway should refuse them before reading them. */
const unauthenticatedChunked: Run = async (context) => {
  const targets = [
    { path: geminiPath(models.flash), scenario: 'chunked body without a key (gemini)' },
    { path: '/v1/images/generations', scenario: 'chunked body without a key (images)' },
    { path: '/admin/keys', scenario: 'chunked body without a key (admin)' },
  ];
  await Promise.all(
    targets.map(async ({ path, scenario }) => {
      const reply = await pacedChunkedUpload(
        `${context.url}${path}`,
        { 'content-type': 'application/json' },
        4 * 1024 * 1024,
      );
      context.uploads.push({ scenario, status: reply.status, sentShareAtAnswer: reply.sentShareAtAnswer });
      record(context, scenario, path, reply, { expectClientError: true });
    }),
  );
  const large = geminiEdit('grayscale', context.images.large, ['TEXT', 'IMAGE']);
  await post(
    context,
    'large body without a key (admin)',
    '/admin/keys',
    { 'content-type': 'application/json' },
    large,
    { expectClientError: true },
  );
};

/** Chunked requests that send one piece and stall: each must still get an answer. */
const stalledBodies: Run = async (context) => {
  const waitMs = requestTimeoutMs + 10_000;
  const cases = [
    { scenario: 'stalled chunked body without a key', headers: { 'content-type': 'application/json' } },
    { scenario: 'stalled chunked body with a key', headers: geminiHeaders(context.keys.main) },
  ];
  await Promise.all(
    cases.map(async ({ scenario, headers }) => {
      const started = Date.now();
      const path = geminiPath(models.flash);
      const reply = await stalledChunked(`${context.url}${path}`, headers, waitMs);
      context.stalls.push({ scenario, status: reply.status, waitedMs: Date.now() - started });
      record(context, scenario, path, reply, { expectClientError: true });
    }),
  );
};

/** Streaming clients that leave right after the event that carries the image. */
const streamLeavers: Run = async (context) => {
  const key = context.keys.main;
  const variants = [
    {
      scenario: 'leave after image event (gemini, usage 800 ms later)',
      path: geminiPath(models.pro, true),
      headers: geminiHeaders(key),
      body: geminiEdit('grayscale', context.images.small, ['IMAGE']),
    },
    {
      scenario: 'leave after image event (chat, usage 800 ms later)',
      path: '/v1/chat/completions',
      headers: openAiHeaders(key),
      body: JSON.stringify({
        ...JSON.parse(chatEdit(context.images.small, ['image', 'text'], true)),
        model: models.pro,
      }),
    },
    {
      scenario: 'leave after image event (gemini)',
      path: geminiPath(models.flash, true),
      headers: geminiHeaders(key),
      body: geminiEdit('grayscale', context.images.small, ['IMAGE']),
    },
    {
      scenario: 'leave after image event (chat)',
      path: '/v1/chat/completions',
      headers: openAiHeaders(key),
      body: chatEdit(context.images.small, ['image', 'text'], true),
    },
    {
      scenario: 'leave after image event (images)',
      path: '/v1/images/generations',
      headers: openAiHeaders(key),
      body: imagesGeneration(models.flash, { stream: true }),
    },
  ];
  for (const variant of variants) {
    const id = nextId('leave');
    const reply = await streamUntilImage(
      `${context.url}${variant.path}`,
      { ...variant.headers, 'x-request-id': id },
      variant.body,
    );
    record(context, variant.scenario, variant.path, reply, {
      keyName: 'main',
      clientRequestId: id,
      leftEarly: reply.leftAfterImage,
    });
  }
};

/** Pollers of the public status page and its JSON, back to back without a key. */
const statusPollers: Run = async (context) => {
  await Promise.all(
    (['/status', '/status.json'] as const).map(async (path) => {
      const reply = await exchange(`${context.url}${path}`, { timeoutMs: 30_000 });
      record(context, `poller ${path}`, path, reply);
    }),
  );
};

export const scenarios: Scenario[] = [
  { name: 'status pollers', everySeconds: 0, run: statusPollers },
  { name: 'stalled bodies', everySeconds: 3600, run: stalledBodies },
  { name: 'spend limit (gemini)', everySeconds: 6, run: spendLimitGemini },
  { name: 'spend limit (chat)', everySeconds: 6, run: spendLimitChat },
  { name: 'spend limit (gpt-image)', everySeconds: 6, run: spendLimitGptImage },
  { name: 'reused id', everySeconds: 4, run: reusedIdSequential },
  { name: 'same id, two keys', everySeconds: 4, run: reusedIdTwoKeys },
  { name: 'idempotent retry', everySeconds: 5, run: idempotentRetry },
  { name: 'regex blow-up', everySeconds: 15, run: regexBlowup },
  { name: '7000×7000 PNG', everySeconds: 20, run: hugePixels },
  { name: 'nested JSON', everySeconds: 12, run: nestedJson },
  { name: 'large-body leavers', everySeconds: 5, run: largeBodyLeavers },
  { name: 'unauthenticated chunked', everySeconds: 8, run: unauthenticatedChunked },
  { name: 'stream leavers', everySeconds: 3, run: streamLeavers },
];

/** Runs a scenario on its timer until the end, the first run after `offsetMs`. */
export async function runScenario(context: MixContext, scenario: Scenario, offsetMs: number): Promise<void> {
  await sleep(offsetMs);
  while (Date.now() < context.endsAt) {
    try {
      await scenario.run(context);
    } catch (error) {
      context.observations.note('soak client error', `${scenario.name}: ${String(error)}`);
    }
    const pause = Math.min(scenario.everySeconds * 1000, Math.max(0, context.endsAt - Date.now()));
    await sleep(pause);
  }
}
