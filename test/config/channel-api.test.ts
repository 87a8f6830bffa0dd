// The per-channel `api` setting: which Gemini upstream API a channel calls.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { errorMessage, writeConfig } from './helpers.js';

function load(text: string) {
  return loadConfig({ env: {}, argvConfigPath: writeConfig(text) });
}

const router =
  'channels:\n  - name: router\n    provider: gemini-compatible\n    baseUrl: http://127.0.0.1:9\n';

describe("a channel's api setting", () => {
  it('defaults to generateContent and reads interactions on a gemini-compatible channel', () => {
    expect(load(router).channels[0].api).toBe('generateContent');
    expect(load(`${router}    api: interactions\n`).channels[0].api).toBe('interactions');
  });

  it('accepts interactions on an AI Studio channel', () => {
    const config = load(
      'channels:\n  - name: google\n    provider: gemini\n    apiKeys: [k]\n    api: interactions\n',
    );
    expect(config.channels[0]).toMatchObject({
      provider: 'gemini',
      api: 'interactions',
      authStyle: 'header',
    });
  });

  it('refuses interactions on a vertex or openai channel, naming the field', () => {
    const vertex =
      'channels:\n  - name: eu\n    provider: vertex\n    vertex: { project: p, location: europe-west4, credentialsFile: /k.json }\n    api: interactions\n';
    const openai = 'channels:\n  - name: oa\n    provider: openai\n    apiKeys: [k]\n    api: interactions\n';
    for (const text of [vertex, openai]) {
      expect(() => load(text)).toThrow(ConfigError);
      expect(errorMessage(() => load(text))).toMatch(
        /channels\[0\]\.api: api interactions is for providers gemini and gemini-compatible/,
      );
    }
  });

  it('refuses interactions with the key in the URL (authStyle query)', () => {
    const text = `${router}    api: interactions\n    authStyle: query\n`;
    expect(errorMessage(() => load(text))).toMatch(
      /channels\[0\]\.authStyle: api interactions sends the key/,
    );
  });

  it('refuses an api it does not know', () => {
    expect(errorMessage(() => load(`${router}    api: streamGenerateContent\n`))).toMatch(
      /channels\[0\]\.api/,
    );
  });
});
