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
      },
    });
    expect(config.channels.map((channel) => channel.name)).toEqual([
      'google-main',
      'vertex-eu',
      'router',
      'local',
    ]);
    expect(config.channels[0].models).toContain('gemini-3.1-flash-image');
    expect(config.channels[0].apiKeys).toEqual(['key-1', 'key-2']);
    expect(config.catalog.resolve('gemini-2.5-flash-image')?.status).toBe('stable');
  });
});
