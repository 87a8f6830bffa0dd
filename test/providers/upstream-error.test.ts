import { shouldFailOver } from '../../src/routing/failover-policy.js';
import { describe, expect, it } from 'vitest';
import { upstreamErrorFromResponse } from '../../src/providers/gemini/errors.js';
import { parseGeminiBody } from '../../src/providers/gemini/parse-response.js';
import { openAiErrorToGatewayError } from '../../src/providers/openai/errors.js';
import {
  parseOpenAiImagesResponse,
  parseOpenAiImagesStreamEvent,
} from '../../src/providers/openai/parse-response.js';
import { rememberSecrets } from '../../src/security/known-secrets.js';

const configuredKey = 'configured-provider-key-7788';
rememberSecrets([configuredKey]);

const gemini = (status: number, error: Record<string, unknown>, retryAfter?: string) =>
  upstreamErrorFromResponse(status, JSON.stringify({ error: { code: status, ...error } }), retryAfter, 'g1');
const openai = (status: number, error: Record<string, unknown>) =>
  openAiErrorToGatewayError('o1', status, { error });

describe("an upstream credential failure is the channel's, never the caller's", () => {
  for (const [name, failure] of [
    ['Gemini 401', gemini(401, { message: `Key ${configuredKey} unknown`, status: 'UNAUTHENTICATED' })],
    [
      'Gemini 403',
      gemini(403, { message: 'Permission denied on sk-abcdefgh12345', status: 'PERMISSION_DENIED' }),
    ],
    [
      'Gemini 400 API_KEY_INVALID',
      gemini(400, {
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      }),
    ],
    [
      'Gemini 400 FAILED_PRECONDITION',
      gemini(400, { message: 'User location is not supported', status: 'FAILED_PRECONDITION' }),
    ],
    [
      'OpenAI 401',
      openai(401, { message: `Incorrect API key provided: ${configuredKey}`, code: 'invalid_api_key' }),
    ],
    [
      'OpenAI 403',
      openai(403, { message: 'Country not supported', code: 'unsupported_country_region_territory' }),
    ],
    [
      'a bare 401 page',
      upstreamErrorFromResponse(401, '<html>401 for ?key=AIzaSyXYZ12345678</html>', undefined, 'g1'),
    ],
  ] as const) {
    it(`maps ${name} to a 502 of class auth naming the channel, without the upstream's words`, () => {
      expect(failure.errorClass).toBe('auth');
      expect(failure.httpStatus).toBe(502);
      expect(failure.code).not.toBe('invalid_api_key');
      expect(failure.message).toMatch(
        /^Upstream channel "(g1|o1)" rejected its credentials \(HTTP 40[013]\)/,
      );
      expect(failure.message).not.toMatch(/Incorrect|location|Permission|not valid|html/);
      expect(failure.details).toBeUndefined();
    });
  }

  it('maps an invalid_api_key error inside a 200 answer or a stream event to auth', () => {
    const options = { channelName: 'o1', modelVersion: 'gpt-image-2' };
    const body = {
      error: { message: `Incorrect API key provided: ${configuredKey}`, code: 'invalid_api_key' },
    };
    for (const parse of [
      () => parseOpenAiImagesResponse(body, options),
      () => parseOpenAiImagesStreamEvent({ type: 'error', ...body }, options),
    ]) {
      expect(parse).toThrow(expect.objectContaining({ errorClass: 'auth', httpStatus: 502 }));
      expect(parse).toThrow(/Upstream channel "o1" rejected its credentials/);
    }
  });
});

describe("route failures are told in the gateway's words", () => {
  it('words a Gemini 503, 500 and 504 without the upstream text', () => {
    for (const [status, expected] of [
      [503, 503],
      [500, 502],
      [504, 504],
    ] as const) {
      const failure = gemini(status, {
        message: `backend exploded for key ${configuredKey}`,
        status: 'UNAVAILABLE',
      });
      expect(failure.httpStatus).toBe(expected);
      expect(failure.message).toMatch(
        new RegExp(`^Upstream channel "g1" (failed|timed out) \\(HTTP ${status}\\)`),
      );
      expect(failure.message).not.toContain('exploded');
    }
  });

  it('words a 429 as a rate limit or quota and keeps the retry delay, not the text', () => {
    const limited = gemini(429, {
      message: `Resource has been exhausted for key ${configuredKey}`,
      status: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' }],
    });
    expect(limited.httpStatus).toBe(429);
    expect(limited.retryAfterSeconds).toBe(17);
    expect(limited.message).toBe('Upstream channel "g1" is rate limited (HTTP 429); retry shortly.');
    const quota = openai(429, {
      message: `You exceeded your quota, key ${configuredKey}`,
      code: 'insufficient_quota',
    });
    expect(quota.errorClass).toBe('quota');
    expect(quota.message).not.toContain(configuredKey);
  });

  it('never passes an HTML page or proxy text as the message, whatever the status', () => {
    const page =
      '<html><body>Bad request to https://up.example/v1/images/edits?api_key=sk-page-secret-1234</body></html>';
    for (const failure of [
      upstreamErrorFromResponse(400, page, undefined, 'g1'),
      openAiErrorToGatewayError('o1', 400, page),
      openAiErrorToGatewayError('o1', 502, page),
    ]) {
      expect(failure.message).toMatch(/^Upstream channel "(g1|o1)"/);
      expect(failure.message).not.toContain('html');
      expect(failure.message).not.toContain('sk-page-secret');
      expect(failure.errorClass).not.toBe('bad_request');
    }
  });

  it("maps a 402 (credits ran out) to quota and a 407 (proxy credentials) to auth, never the caller's own", () => {
    for (const failure of [
      openai(402, { message: 'Insufficient credits for this key', code: 402 }),
      upstreamErrorFromResponse(402, '{"error":{"code":402,"message":"Payment required"}}', undefined, 'g1'),
    ]) {
      expect(failure.errorClass).toBe('quota');
      expect(failure.httpStatus).toBe(429);
      expect(failure.message).toMatch(/^Upstream channel "(o1|g1)" is out of quota \(HTTP 402\)/);
    }
    for (const failure of [
      openAiErrorToGatewayError('o1', 407, 'Proxy Authentication Required'),
      upstreamErrorFromResponse(407, 'Proxy Authentication Required', undefined, 'g1'),
    ]) {
      expect(failure.errorClass).toBe('auth');
      expect(failure.httpStatus).toBe(502);
    }
  });

  it("maps an upstream 404 to a 502 naming the channel, not the caller's model_not_found", () => {
    const failure = gemini(404, { message: 'models/x is not found', status: 'NOT_FOUND' });
    expect(failure.httpStatus).toBe(502);
    expect(failure.message).toContain('Upstream channel "g1"');
  });

  it("reads a NOT_FOUND for the model as the route losing it, in the gateway's words", () => {
    const google = gemini(404, {
      message: `models/x is not found (key ${configuredKey})`,
      status: 'NOT_FOUND',
    });
    const openai = openAiErrorToGatewayError('o1', 404, {
      error: {
        message: 'The model `x` does not exist',
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    });
    for (const failure of [google, openai]) {
      expect(failure.errorClass).toBe('model_gone');
      expect(shouldFailOver(failure)).toBe(true);
      expect(failure.message).toMatch(/no longer serves the model/);
      expect(failure.message).not.toContain(configuredKey);
      expect(failure.message).not.toContain('does not exist');
    }
  });
});

describe("the caller's own mistakes keep the upstream's message, scrubbed", () => {
  it('passes a Gemini 400 INVALID_ARGUMENT with its field violations, scrubbed', () => {
    const failure = gemini(400, {
      message: `Invalid value at 'generation_config.image_config' (sent with key ${configuredKey})`,
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            { field: 'generation_config', description: 'bad; see https://x.example/?key=AIzaSyLEAKED123456' },
          ],
        },
      ],
    });
    expect(failure.errorClass).toBe('bad_request');
    expect(failure.httpStatus).toBe(400);
    expect(failure.message).toContain("Invalid value at 'generation_config.image_config'");
    expect(failure.message).not.toContain(configuredKey);
    expect(JSON.stringify(failure.details)).toContain('generation_config');
    expect(JSON.stringify(failure.details)).not.toContain('AIzaSyLEAKED');
  });

  it('passes an OpenAI moderation block as a 400 safety error, scrubbed', () => {
    const failure = openai(400, {
      message: `Your request was rejected by the safety system (key sk-mod-abcdef123456)`,
      type: 'image_generation_user_error',
      code: 'moderation_blocked',
    });
    expect(failure.errorClass).toBe('safety');
    expect(failure.httpStatus).toBe(400);
    expect(failure.message).toContain('rejected by the safety system');
    expect(failure.message).not.toContain('sk-mod-abcdef123456');
  });
});

describe('hostile error envelopes', () => {
  it('reads an envelope whose details hold nulls, numbers and strings without failing itself', () => {
    const failure = gemini(429, {
      message: 'slow down',
      status: 'RESOURCE_EXHAUSTED',
      details: [null, 5, 'x', { retryDelay: '3s' }],
    });
    expect(failure.errorClass).toBe('rate_limited');
    expect(failure.retryAfterSeconds).toBe(3);
  });

  it('reads an envelope whose message is not a string as having none', () => {
    const failure = gemini(400, {
      message: { nested: 'sk-nested-object-key-1' },
      status: 'INVALID_ARGUMENT',
    });
    expect(failure.errorClass).toBe('bad_request');
    expect(failure.message).toBe('Upstream channel "g1" rejected the request (HTTP 400).');
  });
});

describe('answers that are not the wire they promise never quote their body', () => {
  it('says a 200 body is invalid JSON without quoting it', () => {
    expect(() => parseGeminiBody('g1', `Incorrect API key ${configuredKey} blah`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(configuredKey) }),
    );
    // JSON.parse quotes the text around the fault: all of a short body.
    expect(() => parseGeminiBody('g1', 'sk-SHORT1234')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('SHORT1234') }),
    );
  });
});
