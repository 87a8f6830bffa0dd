import { describe, expect, it } from 'vitest';
import {
  maximumScrubbedLength,
  redacted,
  scrubSecrets,
  scrubSecretsDeep,
} from '../../src/security/scrub-secrets.js';
import fixture from '../fixtures/upstream-error-texts.json' with { type: 'json' };

interface Case {
  name: string;
  text: string;
  mustNotContain?: string[];
  mustContain?: string[];
}

describe('scrubSecrets on recorded and hostile upstream texts', () => {
  for (const row of fixture.cases as Case[]) {
    it(`scrubs ${row.name}`, () => {
      const scrubbed = scrubSecrets(row.text, fixture.knownSecrets);
      for (const secret of row.mustNotContain ?? []) expect(scrubbed).not.toContain(secret);
      for (const kept of row.mustContain ?? []) expect(scrubbed).toContain(kept);
      if (row.mustNotContain) expect(scrubbed).toContain(redacted);
    });
  }
});

describe('scrubSecrets bounds', () => {
  it('cuts very long upstream text to a bounded length', () => {
    const scrubbed = scrubSecrets(`${'x'.repeat(1_000_000)} sk-${'a'.repeat(40)}`);
    expect(scrubbed.length).toBeLessThanOrEqual(maximumScrubbedLength);
  });

  it('answers within 2 s on inputs built to make backtracking patterns explode', () => {
    const hostile = [
      'a'.repeat(200_000),
      '?'.repeat(200_000),
      `${'key='.repeat(50_000)}`,
      `${'https://'.repeat(30_000)}?`,
      `${'://a:b'.repeat(30_000)}`,
      `${'-----BEGIN'.repeat(20_000)}`,
      `${'Bearer '.repeat(30_000)}`,
      `${'sk-'.repeat(60_000)}`,
      `${'/a?b'.repeat(50_000)}`,
    ];
    const started = performance.now();
    for (const text of hostile) scrubSecrets(text, ['some-known-secret']);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('still finds a key placed right before the cut', () => {
    const scrubbed = scrubSecrets(`${'word '.repeat(90)}sk-SECRETSECRETSECRET then more`);
    expect(scrubbed).not.toContain('SECRETSECRET');
  });

  it('scrubs every string of nested details and bounds their depth and breadth', () => {
    const details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        metadata: { key: 'AIzaSyNESTEDKEY1234567', service: 'generativelanguage.googleapis.com' },
      },
      { deep: { deeper: { deepest: { further: { beyond: { gone: { value: 'x' } } } } } } },
      Array.from({ length: 100 }, (_, index) => index),
    ];
    const scrubbed = JSON.stringify(scrubSecretsDeep(details));
    expect(scrubbed).not.toContain('AIzaSyNESTEDKEY');
    expect(scrubbed).toContain('generativelanguage.googleapis.com');
    expect(scrubbed).not.toContain('"gone"');
    expect(scrubbed).not.toContain(',99');
  });
});
