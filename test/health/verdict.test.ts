import { describe, expect, it } from 'vitest';
import { summarizeTraffic } from '../../src/health/live-traffic.js';
import { outcomeForFailure } from '../../src/health/retest-outcome.js';
import { nextDelayMs } from '../../src/health/retest-scheduler.js';
import { modelVerdict, recommendModel, routeVerdict, verdictThresholds } from '../../src/health/verdict.js';
import type { LiveStats } from '../../src/health/live-traffic.js';

const now = Date.parse('2026-11-25T12:00:00Z');
const minutesAgo = (minutes: number) => now - minutes * 60_000;
const retest = (outcome: string, minutes = 10) => ({ at: minutesAgo(minutes), outcome, doorAvailable: true });
const live = (successRate: number, requests = 100, p95Ms = 2000): LiveStats => ({
  requests,
  successes: Math.round(successRate * requests),
  successRate,
  p50Ms: 1000,
  p95Ms,
  errorClasses: {},
});

describe('route verdict', () => {
  it('is stable when the latest retest passed and live traffic succeeds', () => {
    expect(routeVerdict({ retests: [retest('pass')], live: live(0.99) }, now).verdict).toBe('stable');
  });

  it('is degraded after one failed retest and unhealthy after two in a row', () => {
    expect(routeVerdict({ retests: [retest('no_image'), retest('pass', 70)] }, now).verdict).toBe('degraded');
    const twice = routeVerdict({ retests: [retest('semantic_fail'), retest('no_image', 70)] }, now);
    expect(twice.verdict).toBe('unhealthy');
    expect(twice.reasons[0]).toMatch(/last 2 retests failed/);
  });

  it('stays degraded while a failure remains among the recent retests', () => {
    const history = [retest('pass'), retest('pass', 60), retest('error:overloaded', 120)];
    expect(routeVerdict({ retests: history }, now).verdict).toBe('degraded');
  });

  it('turns unhealthy on an open circuit or a live success rate under 50 %', () => {
    expect(routeVerdict({ retests: [retest('pass')], circuit: 'open' }, now).verdict).toBe('unhealthy');
    expect(routeVerdict({ retests: [retest('pass')], live: live(0.4) }, now).verdict).toBe('unhealthy');
  });

  it('is degraded for a live success rate under 95 %, a slow p95 or a stale retest', () => {
    expect(routeVerdict({ retests: [retest('pass')], live: live(0.9) }, now).verdict).toBe('degraded');
    const slow = live(1, 100, verdictThresholds.slowP95Ms + 1);
    expect(routeVerdict({ retests: [retest('pass')], live: slow }, now).verdict).toBe('degraded');
    expect(routeVerdict({ retests: [retest('pass', 60 * 30)] }, now).verdict).toBe('degraded');
  });

  it('ignores live traffic below the minimum number of requests', () => {
    expect(routeVerdict({ retests: [retest('pass')], live: live(0, 3) }, now).verdict).toBe('stable');
  });

  it('is unknown with no retest and no live traffic, and marks a missing door as unavailable', () => {
    expect(routeVerdict({ retests: [] }, now).verdict).toBe('unknown');
    const missing = routeVerdict(
      { retests: [{ at: now, outcome: 'error:not_found', doorAvailable: false }] },
      now,
    );
    expect(missing).toMatchObject({ verdict: 'unknown', doorAvailable: false });
  });
});

describe('model verdict and recommendation', () => {
  const route = (verdict: 'stable' | 'degraded' | 'unhealthy' | 'unknown', doorAvailable = true) => ({
    verdict,
    doorAvailable,
    reasons: [],
  });

  it('is stable only when every available route is stable', () => {
    expect(modelVerdict([route('stable'), route('stable'), route('unhealthy', false)])).toBe('stable');
    expect(modelVerdict([route('stable'), route('unhealthy')])).toBe('degraded');
    expect(modelVerdict([route('unhealthy'), route('unhealthy')])).toBe('unhealthy');
    expect(modelVerdict([route('unknown')])).toBe('unknown');
  });

  it("prefers the catalog's recommended stable model over the offline engine and others", () => {
    const candidates = [
      {
        id: 'local-image-edit',
        verdict: 'stable' as const,
        catalogStatus: 'stable',
        recommended: false,
        offline: true,
      },
      {
        // Controlled by a config override: no built-in model is in controlled testing today.
        id: 'gemini-3-pro-image',
        verdict: 'stable' as const,
        catalogStatus: 'controlled',
        recommended: false,
        offline: false,
      },
      {
        id: 'gemini-nano-banana-2.1',
        verdict: 'stable' as const,
        catalogStatus: 'stable',
        recommended: true,
        offline: false,
      },
    ];
    expect(recommendModel(candidates)).toBe('gemini-nano-banana-2.1');
    candidates[2] = { ...candidates[2], verdict: 'unhealthy' as never };
    expect(recommendModel(candidates)).toBe('gemini-3-pro-image');
  });
});

describe('live traffic summary', () => {
  it('computes success rate, p50/p95 and error classes per route, skipping unrouted rows', () => {
    const rows = Array.from({ length: 20 }, (_, index) => ({
      model: 'm',
      channel: 'c',
      door: 'gemini' as const,
      status: index < 18 ? 200 : 503,
      errorClass: index < 18 ? null : 'overloaded',
      latencyMs: (index + 1) * 100,
    }));
    rows.push({
      model: 'm',
      channel: null as never,
      door: 'gemini',
      status: 400,
      errorClass: 'bad_request',
      latencyMs: 1,
    });
    const stats = summarizeTraffic(rows).get('m\u0000c\u0000gemini');
    expect(stats).toEqual({
      requests: 20,
      successes: 18,
      successRate: 0.9,
      p50Ms: 1000,
      p95Ms: 1900,
      errorClasses: { overloaded: 2 },
    });
  });
});

describe('retest outcomes and schedule', () => {
  it('maps failures to outcomes from the error class, else from the HTTP status', () => {
    expect(outcomeForFailure(503, null)).toBe('error:overloaded');
    expect(outcomeForFailure(429, 'quota')).toBe('error:quota');
    expect(outcomeForFailure(429, null)).toBe('error:rate_limited');
    expect(outcomeForFailure(502, null, 'the upstream returned no image')).toBe('no_image');
    expect(outcomeForFailure(504, null)).toBe('timeout');
    expect(outcomeForFailure(404, null)).toBe('error:not_found');
  });

  it('starts within the jitter and then runs every interval plus or minus the jitter', () => {
    const schedule = { intervalMinutes: 60, jitterSeconds: 120 };
    expect(nextDelayMs(schedule, true, () => 0.5)).toBe(60_000);
    expect(nextDelayMs(schedule, false, () => 0)).toBe(3_600_000 - 120_000);
    expect(nextDelayMs(schedule, false, () => 1)).toBe(3_600_000 + 120_000);
  });
});
