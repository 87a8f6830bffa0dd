// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the YAML ${VAR} syntax itself
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { errorMessage, writeConfig } from './helpers.js';

/** Loads `text` as imagegate.yaml and returns the error message with the directory stripped. */
function failure(text: string, env: Record<string, string> = {}): string {
  const path = writeConfig(text);
  const message = errorMessage(() => loadConfig({ env, argvConfigPath: path }));
  return message.replaceAll(path, basename(path));
}

describe('config file errors', () => {
  it('names the file, line and column of a bad provider', () => {
    const text = [
      'channels:',
      '  - name: google-main',
      '    provider: gemini',
      '    apiKeys: ["key"]',
      '  - name: router',
      '    baseUrl: https://router.example.com',
      '    provider: gemni',
    ].join('\n');
    expect(failure(text)).toBe(
      'imagegate.yaml:7:15 channels[1].provider: expected one of gemini|vertex|gemini-compatible|openai|openai-compatible|local, got "gemni"',
    );
  });

  it('points an unknown field at the field itself', () => {
    expect(failure('channels:\n  - name: local-engine\n    provider: local\n    prioirty: 3\n')).toBe(
      'imagegate.yaml:4:5 channels[0].prioirty: unknown field "prioirty"',
    );
  });

  it('points a missing field at its parent entry', () => {
    expect(failure('channels:\n  - provider: local\n')).toBe(
      'imagegate.yaml:2:5 channels[0].name: required string is missing',
    );
  });

  it('reports a YAML syntax error with its position', () => {
    const message = failure('channels:\n  - name: a\n    provider: [local\n');
    expect(message).toMatch(/^imagegate\.yaml:\d+:\d+: Flow sequence/);
    expect(() => loadConfig({ env: {}, argvConfigPath: writeConfig('a: [1\n') })).toThrow(ConfigError);
  });

  it('reports a wrongly typed number with what it got', () => {
    expect(failure('routing:\n  maxAttempts: many\n')).toBe(
      'imagegate.yaml:2:16 routing.maxAttempts: expected number, got "many"',
    );
  });

  it('rejects an unknown model in a channel, naming it and the close ids', () => {
    const text =
      'channels:\n  - name: google-main\n    provider: gemini\n    apiKeys: [k]\n    models: [gemini-3.1-flash-imag]\n';
    expect(failure(text)).toBe(
      'imagegate.yaml:5:14 channels[0].models[0]: unknown model "gemini-3.1-flash-imag"; did you mean gemini-3.1-flash-image, gemini-2.5-flash-image, gemini-3.1-flash-lite-image?',
    );
  });

  it('rejects two channels with the same name', () => {
    const text = 'channels:\n  - name: a\n    provider: local\n  - name: a\n    provider: local\n';
    expect(failure(text)).toBe('imagegate.yaml:4:11 channels[1].name: channel name "a" is used twice');
  });

  it('requires a baseUrl for a compatible provider', () => {
    expect(failure('channels:\n  - name: router\n    provider: openai-compatible\n')).toMatch(
      /^imagegate\.yaml:2:5 channels\[0\]\.baseUrl: required for provider openai-compatible/,
    );
  });

  it('reports a bad model override at its line', () => {
    expect(failure('models:\n  - id: gpt-image-2\n    status: gone\n')).toBe(
      'imagegate.yaml:3:13 models[0].status: expected one of stable|controlled|deprecated|retired|unhealthy|disabled, got "gone"',
    );
  });
});

describe('environment expansion', () => {
  it('expands variables anywhere and keeps a bare number a number', () => {
    const path = writeConfig(
      'server:\n  port: ${PORT}\nchannels:\n  - name: router\n    provider: gemini-compatible\n    baseUrl: "https://${ROUTER_HOST}/v1"\n    apiKeys: ["${ROUTER_KEY}"]\n    authStyle: query\n',
    );
    const config = loadConfig({
      env: { PORT: '9100', ROUTER_HOST: 'router.internal', ROUTER_KEY: 'rk' },
      argvConfigPath: path,
    });
    expect(config.server.port).toBe(9100);
    expect(config.channels[0]).toMatchObject({
      baseUrl: 'https://router.internal/v1',
      apiKeys: ['rk'],
      authStyle: 'query',
    });
  });

  it('names a missing variable and its line', () => {
    expect(
      failure('channels:\n  - name: router\n    provider: gemini-compatible\n    baseUrl: "${ROUTER_URL}"\n'),
    ).toBe('imagegate.yaml:4:14 channels[0].baseUrl: environment variable ROUTER_URL is not set');
  });

  it('drops an API key whose variable is empty and keeps the others', () => {
    const path = writeConfig(
      'channels:\n  - name: google-main\n    provider: gemini\n    apiKeys: ["${KEY_ONE}", "${KEY_TWO}"]\n',
    );
    const config = loadConfig({ env: { KEY_TWO: 'second' }, argvConfigPath: path });
    expect(config.channels[0].apiKeys).toEqual(['second']);
  });

  it('rejects a keyed channel whose every API key expanded empty', () => {
    const text =
      'channels:\n  - name: google-main\n    provider: gemini\n    apiKeys: ["${GEMINI_API_KEY}"]\n';
    expect(failure(text)).toBe(
      'imagegate.yaml:4:14 channels[0].apiKeys: channel google-main has no API keys left (GEMINI_API_KEY not set)',
    );
  });

  const outOfRange: [string, string, string][] = [
    [
      'billing:\n  heldMultiplier: 1e308\n',
      '2:19 billing.heldMultiplier',
      'a multiplier that overflows every hold',
    ],
    [
      'billing:\n  heldMultiplier: .nan\n',
      '2:19 billing.heldMultiplier',
      'a multiplier that is not a number',
    ],
    [
      'channels:\n  - name: local-engine\n    provider: local\n    timeoutMs: 10000000000\n',
      '4:16 channels[0].timeoutMs',
      'a timeout past the 2^31 - 1 ms a timer can wait',
    ],
    [
      'server:\n  requestTimeoutMs: 3000000000\n',
      '2:21 server.requestTimeoutMs',
      'a server timeout past a timer',
    ],
    ['retest:\n  intervalMinutes: 100000\n', '2:20 retest.intervalMinutes', 'a retest interval past a timer'],
  ];
  for (const [text, where, label] of outOfRange) {
    it(`refuses ${label}, naming the field`, () => {
      expect(failure(text)).toContain(`imagegate.yaml:${where}`);
    });
  }
});
