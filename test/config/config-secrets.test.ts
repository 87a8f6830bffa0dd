// Configuration errors name the field at fault but never repeat a secret, whatever shape the
// secret's value has and wherever it came from (the file, an expanded ${VAR}, the environment).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { errorMessage, writeConfig } from './helpers.js';

/** `${NAME}` as the config file writes it. */
const variable = (name: string) => ['$', '{', name, '}'].join('');

const channel = (fields: string) =>
  `channels:\n  - name: main\n    provider: gemini-compatible\n    baseUrl: https://router.example\n${fields}`;

function loadError(text: string, env: Record<string, string> = {}): string {
  const path = writeConfig(text);
  return errorMessage(() => loadConfig({ env, argvConfigPath: path }));
}

describe('configuration errors never print a provider key', () => {
  const cases: Array<{ name: string; fields: string; secret: string; names: string }> = [
    {
      name: 'apiKeys given as a string',
      fields: '    apiKeys: "plain-string-key-1234"\n',
      secret: 'plain-string-key-1234',
      names: 'channels[0].apiKeys: expected array, got a string',
    },
    {
      name: 'apiKeys given as a shaped string',
      fields: '    apiKeys: AIzaSyStringShapedKey12345\n',
      secret: 'AIzaSyStringShapedKey',
      names: 'channels[0].apiKeys',
    },
    {
      name: 'a numeric key in the list',
      fields: '    apiKeys: [98765432109876]\n',
      secret: '98765432109876',
      names: 'channels[0].apiKeys[0]: expected string, got a number',
    },
    {
      name: 'apiKeys given as a mapping',
      fields: '    apiKeys: { primary: plain-mapping-key-1234 }\n',
      secret: 'plain-mapping-key-1234',
      names: 'channels[0].apiKeys',
    },
    {
      name: 'a nested key inside the list',
      fields: '    apiKeys: [{ key: plain-nested-key-1234 }]\n',
      secret: 'plain-nested-key-1234',
      names: 'channels[0].apiKeys[0]',
    },
    {
      name: 'apiKey (singular), an unknown field',
      fields: '    apiKey: plain-singular-key-1234\n',
      secret: 'plain-singular-key-1234',
      names: 'unknown field "apiKey"',
    },
    {
      name: 'a key pasted into a field that repeats its value',
      fields: '    apiKeys: ["plain-listed-key-1234"]\n    models: [plain-listed-key-1234]\n',
      secret: 'plain-listed-key-1234',
      names: 'channels[0].models[0]: unknown model',
    },
  ];
  for (const row of cases) {
    it(`hides ${row.name}`, () => {
      const message = loadError(channel(row.fields));
      expect(message).toContain(row.names);
      expect(message).not.toContain(row.secret);
    });
  }

  it('hides values expanded from environment variables wherever they land', () => {
    const message = loadError(
      channel(
        `    apiKeys: ["${variable('KEY_A')}"]\n    weight: ${variable('KEY_B')}\n    modelMap: { x: "${variable('KEY_A')}" }\n`,
      ),
      {
        KEY_A: 'plain-expanded-key-a-1234',
        KEY_B: 'plain-expanded-key-b-1234',
      },
    );
    expect(message).toContain('channels[0].weight');
    expect(message).not.toContain('plain-expanded-key-a-1234');
    expect(message).not.toContain('plain-expanded-key-b-1234');
  });

  it('hides a provider key from the environment that a field repeats', () => {
    const message = loadError(
      channel(`    apiKeys: [x1234567]\n    models: ["${variable('GEMINI_API_KEY')}"]\n`),
      {
        GEMINI_API_KEY: 'plain-environment-key-1234',
      },
    );
    expect(message).toContain('channels[0].models[0]');
    expect(message).not.toContain('plain-environment-key-1234');
  });

  it('hides the password of a URL', () => {
    const message = loadError(
      'channels:\n  - name: main\n    provider: gemini-compatible\n    baseUrl: ftp://user:plain-url-password@router.example/\n',
    );
    expect(message).toContain('channels[0].baseUrl');
    expect(message).not.toContain('plain-url-password');
  });

  it('prints no key when `imagegate serve --config bad.yaml` refuses the file', () => {
    const path = writeConfig(
      channel('    apiKeys: "sk-cli-string-key-123456"\n    apiKey: plain-cli-key-1234\n'),
    );
    const result = spawnSync(process.execPath, ['bin/imagegate.js', 'serve', '--config', path], {
      encoding: 'utf8',
      env: { ...process.env, IMAGEGATE_LOG_LEVEL: 'silent' },
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('channels[0].apiKeys');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain('sk-cli-string-key');
      expect(text).not.toContain('plain-cli-key-1234');
    }
  }, 70_000);
});
