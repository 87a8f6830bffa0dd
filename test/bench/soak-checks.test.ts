import { describe, expect, it } from 'vitest';
import {
  billingChecks,
  edgeChecks,
  healthzCheck,
  imagesBilledCheck,
  imagesChargedCheck,
  rssChecks,
} from '../../bench/soak/checks.js';
import type { KeyBilling, LedgerState } from '../../bench/soak/ledger-state.js';
import { imagesIn, Observations } from '../../bench/soak/observations.js';

const providerKey = 'sk-SOAK-test-0123456789';
const image = 'A'.repeat(400);
const otherImage = 'B'.repeat(400);

function ledgerWith(keys: Array<Partial<KeyBilling> & { keyId: string }>, openHolds = 0): LedgerState {
  const balanced = {
    spendLimitMicros: null,
    spentMicros: 0,
    reservedMicros: 0,
    ledgerChargedMicros: 0,
    ledgerOutstandingMicros: 0,
    requestLogChargedMicros: 0,
    requestLogImages: 0,
    uncharged: { rows: 0, images: 0 },
    openHolds: 0,
  };
  return { keys: new Map(keys.map((key) => [key.keyId, { ...balanced, ...key }])), openHolds };
}

describe('the soak reads answers', () => {
  it('finds the image payloads of every door', () => {
    expect(imagesIn(`{"inlineData": {"mimeType": "image/png", "data": "${image}"}}`)).toEqual([image]);
    expect(imagesIn(`data: {"b64_json":"${image}"}\n\n`)).toEqual([image]);
    expect(imagesIn(`{"images":[{"image_url":{"url":"data:image/png;base64,${image}"}}]}`)).toEqual([image]);
    expect(imagesIn('{"data": "short"}')).toEqual([]);
  });

  it('counts a replayed image under a reused id once, and a fresh one under it again', () => {
    const observations = new Observations([providerKey]);
    const answer = (body: string) =>
      observations.record({
        scenario: 'reuse',
        path: '/v1beta/x',
        keyName: 'k',
        clientRequestId: 'id-1',
        status: 200,
        body,
      });
    answer(`{"data":"${image}"}`);
    answer(`{"data":"${image}"}`);
    expect(observations.imagesReceived.get('k')).toBe(1);
    answer(`{"data":"${otherImage}"}`);
    expect(observations.imagesReceived.get('k')).toBe(2);
  });

  it('notes a provider key, database text, a 500 and an error outside the door envelope, masking the key', () => {
    const observations = new Observations([providerKey]);
    observations.record({
      scenario: 's',
      path: '/v1/images/generations',
      status: 400,
      body: `{"error":{"message":"bad key ${providerKey}","type":"x"}}`,
    });
    observations.record({
      scenario: 's',
      path: '/v1beta/models/m:generateContent',
      status: 500,
      body: '{"error":"UNIQUE constraint failed: ledger.id"}',
    });
    expect([...observations.findings.keys()].sort()).toEqual([
      'HTTP 500',
      'database text in an answer',
      "error not in the door's envelope",
      'provider key in an answer',
    ]);
    expect(observations.findings.get('provider key in an answer')?.examples[0]).not.toContain(providerKey);
    expect(observations.findings.get('provider key in an answer')?.examples[0]).toContain('<provider key>');
  });

  it('accepts a Gemini error envelope under /v1beta and an OpenAI one under /v1', () => {
    const observations = new Observations([]);
    observations.record({
      scenario: 's',
      path: '/v1beta/models/m:generateContent',
      status: 400,
      body: '{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT"}}',
    });
    observations.record({
      scenario: 's',
      path: '/v1/chat/completions',
      status: 400,
      body: '{"error":{"message":"m","type":"invalid_request_error"}}',
    });
    observations.record({
      scenario: 's',
      path: '/v1/chat/completions',
      status: 400,
      body: '{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT"}}',
    });
    expect(observations.findings.get("error not in the door's envelope")?.count).toBe(1);
  });
});

describe('the soak verdict', () => {
  it('fails a key whose ledger, request log and spend disagree, and a key over its limit', () => {
    const names = new Map([
      ['a', 'balanced'],
      ['b', 'unlogged'],
      ['c', 'over'],
    ]);
    const checks = billingChecks(
      ledgerWith([
        { keyId: 'a', spentMicros: 5, ledgerChargedMicros: 5, requestLogChargedMicros: 5 },
        { keyId: 'b', spentMicros: 5, ledgerChargedMicros: 5, requestLogChargedMicros: 3 },
        {
          keyId: 'c',
          spendLimitMicros: 10,
          spentMicros: 12,
          ledgerChargedMicros: 12,
          requestLogChargedMicros: 12,
        },
      ]),
      names,
    );
    expect(checks.map((check) => [check.name, check.passed])).toEqual([
      ['0 open holds', true],
      ['ledger = request log = key spend, per key', false],
      ['no key spent over its limit', false],
    ]);
    expect(checks[1].detail).toContain('unlogged');
    expect(checks[1].detail).not.toContain('balanced');
  });

  it('fails when a key received more images than it was billed for', () => {
    const observations = new Observations([]);
    observations.record({
      scenario: 's',
      path: '/v1beta/x',
      keyName: 'main',
      status: 200,
      body: `{"data":"${image}"}`,
    });
    observations.record({
      scenario: 's',
      path: '/v1beta/x',
      keyName: 'main',
      status: 200,
      body: `{"data":"${image}"}`,
    });
    const names = new Map([['id-main', 'main']]);
    expect(
      imagesBilledCheck(observations, ledgerWith([{ keyId: 'id-main', requestLogImages: 1 }]), names).passed,
    ).toBe(false);
    expect(
      imagesBilledCheck(observations, ledgerWith([{ keyId: 'id-main', requestLogImages: 2 }]), names).passed,
    ).toBe(true);
  });

  it('fails when an image of a paid model was logged with no charge', () => {
    const names = new Map([['id-main', 'main']]);
    expect(imagesChargedCheck(ledgerWith([{ keyId: 'id-main', requestLogImages: 3 }]), names).passed).toBe(
      true,
    );
    const free = ledgerWith([{ keyId: 'id-main', requestLogImages: 3, uncharged: { rows: 1, images: 1 } }]);
    expect(imagesChargedCheck(free, names)).toMatchObject({
      passed: false,
      detail: 'main: 1 images on 1 rows charged $0',
    });
  });

  it('fails /healthz when one 30 s window has a stall, even if the whole run is fast', () => {
    const fast = Array.from({ length: 800 }, (_, index) => ({ at: index * 75, milliseconds: 3 }));
    expect(healthzCheck(fast, {}).passed).toBe(true);
    // A 2 s stall in the first window delays the ~27 probes fired during it.
    const stalled = fast.map((probe) =>
      probe.at < 2000 ? { ...probe, milliseconds: 2000 - probe.at } : probe,
    );
    expect(healthzCheck(stalled, {}).passed).toBe(false);
  });

  it('fails RSS that grows by more than a fifth or peaks over the cap', () => {
    const flat = Array.from({ length: 100 }, (_, index) => ({ at: index * 1000, megabytes: 300 }));
    const growing = flat.map((sample) => ({ ...sample, megabytes: 300 + sample.at / 500 }));
    expect(rssChecks(flat, 100_000, 320).map((check) => check.passed)).toEqual([true, true]);
    expect(rssChecks(growing, 100_000, 500).map((check) => check.passed)).toEqual([false, true]);
    expect(rssChecks(flat, 100_000, 2000).map((check) => check.passed)).toEqual([true, false]);
  });

  it('fails an upload read whole without a key, a stall never answered and memory left held', () => {
    const served = { status: 200, milliseconds: 300 };
    const good = edgeChecks(
      [{ scenario: 'u', status: 401, sentShareAtAnswer: 0.02 }],
      [{ scenario: 's', status: 408, waitedMs: 10_000 }],
      0,
      served,
    );
    expect(good.every((check) => check.passed)).toBe(true);
    const bad = edgeChecks(
      [{ scenario: 'u', status: 401, sentShareAtAnswer: 1 }],
      [{ scenario: 's', status: 0, waitedMs: 20_000 }],
      4_194_304,
      { status: 503, milliseconds: 5000 },
    );
    expect(bad.map((check) => check.passed)).toEqual([false, false, false, false]);
  });
});
