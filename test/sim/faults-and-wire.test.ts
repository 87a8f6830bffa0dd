import { describe, expect, it } from 'vitest';
import { FaultParseError, FaultPlan, parseFault } from '../../src/sim/faults.js';
import { padPng } from '../../src/sim/png-padding.js';
import { googleCompactJson, googleSseEvent, jsonArray, prettyJson } from '../../src/sim/wire-format.js';
import sharp from 'sharp';

describe('upstream-sim fault parsing and sampling', () => {
  it('parses simple kinds, usage-drift factors and latency durations', () => {
    expect(parseFault('503')).toEqual({ kind: '503' });
    expect(parseFault('usage-drift:1.5')).toEqual({ kind: 'usage-drift', factor: 1.5 });
    expect(parseFault('latency:200ms')).toEqual({ kind: 'latency', milliseconds: 200 });
    expect(parseFault('latency:2s')).toEqual({ kind: 'latency', milliseconds: 2000 });
  });

  it('rejects unknown kinds and malformed arguments with the allowed values', () => {
    expect(() => parseFault('502')).toThrow(FaultParseError);
    expect(() => parseFault('502')).toThrow(/expected one of 503, 500, 429/);
    expect(() => parseFault('usage-drift:lots')).toThrow(/factor/);
    expect(() => parseFault('latency:soon')).toThrow(/duration/);
  });

  it('hits every request at rate 1 and none at rate 0', () => {
    const always = new FaultPlan(['503'], 1, 1);
    const never = new FaultPlan(['503'], 0, 1);
    for (let index = 0; index < 20; index++) {
      expect(always.draw().has('503')).toBe(true);
      expect(never.draw().has('503')).toBe(false);
    }
  });

  it('repeats the same hit pattern for the same seed and restarts it on reset', () => {
    const sample = (plan: FaultPlan) => Array.from({ length: 40 }, () => plan.draw().has('500'));
    const plan = new FaultPlan(['500'], 0.3, 9);
    const first = sample(plan);
    plan.restart();
    expect(sample(plan)).toEqual(first);
    expect(sample(new FaultPlan(['500'], 0.3, 9))).toEqual(first);
    const hits = first.filter(Boolean).length;
    expect(hits).toBeGreaterThan(4);
    expect(hits).toBeLessThan(20);
  });

  it('rotates exclusive outcome faults and stacks latency and usage drift on top', () => {
    const plan = new FaultPlan(['503', '429', 'latency:50ms', 'usage-drift:2'], 1, 1);
    const first = plan.draw();
    const second = plan.draw();
    expect([first.has('503'), second.has('429')]).toEqual([true, true]);
    expect(first.has('429')).toBe(false);
    expect(second.latencyMilliseconds).toBe(50);
    expect(second.usageDriftFactor).toBe(2);
  });
});

describe('upstream-sim wire format', () => {
  it('writes Google compact JSON with a space after colons only, escaping angle brackets', () => {
    expect(googleCompactJson({ a: [1, { b: '<x>' }], c: null, d: undefined })).toBe(
      '{"a": [1,{"b": "\\u003cx\\u003e"}],"c": null}',
    );
    expect(googleSseEvent({ a: 1 })).toBe('data: {"a": 1}\r\n\r\n');
  });

  it('writes pretty bodies ending in a newline and the streamed array with its separators', () => {
    expect(prettyJson({ a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(jsonArray([{ a: 1 }, { b: 2 }])).toBe('[{\n  "a": 1\n}\n,\r\n{\n  "b": 2\n}\n]');
  });

  it('pads a PNG to the requested size and keeps it decodable', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const padded = padPng(png, 100_000);
    expect(padded.length).toBe(100_000);
    expect((await sharp(padded).metadata()).width).toBe(8);
  });
});
