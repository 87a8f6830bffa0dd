import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('the example in docs/configuration.md', () => {
  it('is a valid configuration file', () => {
    const markdown = readFileSync('docs/configuration.md', 'utf8');
    const example = /## File\n\n```yaml\n([\s\S]*?)```/.exec(markdown)?.[1];
    expect(example).toBeDefined();
    const path = join(mkdtempSync(join(tmpdir(), 'imagegate-doc-')), 'imagegate.yaml');
    writeFileSync(path, example ?? '');
    const config = loadConfig({
      env: {
        IMAGEGATE_CONFIG: path,
        GEMINI_API_KEY: 'key-1',
        GEMINI_API_KEY_2: 'key-2',
        ROUTER_KEY: 'key-3',
        OPENAI_API_KEY: 'key-4',
      },
    });
    expect(config.channels.map((channel) => channel.name)).toEqual([
      'google-main',
      'vertex-eu',
      'router',
      'openai-text',
      'local',
    ]);
    expect(config.channels[3].responsesModels[0]).toEqual({
      id: 'gpt-5.1',
      pricing: { input: 1250, cachedInput: 125, output: 10000 },
      maxOutputTokens: 128000,
    });
    expect(config.channels[0].models).toContain('gemini-3.1-flash-image');
    expect(config.channels[0].apiKeys).toEqual(['key-1', 'key-2']);
    expect(config.catalog.resolve('gemini-2.5-flash-image')?.status).toBe('stable');
  });
});

describe('the "adding a model tomorrow" block in docs/configuration.md', () => {
  function block(heading: string): string {
    const markdown = readFileSync('docs/configuration.md', 'utf8');
    const found = new RegExp(`### ${heading}[\\s\\S]*?\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(markdown)?.[1];
    if (found === undefined) throw new Error(`no yaml block under ${heading}`);
    return found;
  }

  it('adds a routable model with one YAML block and no release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'imagegate-doc-')), 'imagegate.yaml');
    writeFileSync(path, block('Adding a model tomorrow'));
    const config = loadConfig({ env: { IMAGEGATE_CONFIG: path, GEMINI_API_KEY: 'key-1' } });
    const added = config.catalog.resolve('nano-banana-3');
    expect(added?.id).toBe('gemini-3.2-flash-image');
    expect(added?.sources[0]?.covers).toEqual(['prices']);
    const studio = config.channels.find((channel) => channel.name === 'google-ai-studio');
    expect(studio?.models).toContain('gemini-3.2-flash-image');
  });
});
