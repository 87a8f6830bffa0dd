import { describe, expect, it } from 'vitest';
import { loadConfig, upstreamModelName } from '../../src/config/index.js';
import { writeConfig } from './helpers.js';

function load(text: string, env: Record<string, string> = {}) {
  return loadConfig({ env, argvConfigPath: writeConfig(text) });
}

describe('channels from the config file', () => {
  it('fills provider defaults and resolves model aliases to public ids', () => {
    const config = load(
      [
        'channels:',
        '  - name: google-main',
        '    provider: gemini',
        '    apiKeys: ["k1", "k2"]',
        '    models: [nano-banana-2, models/nano-banana]',
        '    modelMap: { nano-banana-2: gemini-3.1-flash-image-001 }',
        '    priority: 2',
        '    weight: 3',
      ].join('\n'),
    );
    const [channel] = config.channels;
    expect(channel).toMatchObject({
      name: 'google-main',
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiKeys: ['k1', 'k2'],
      authStyle: 'header',
      // Each listed model's successors too (2.5 flash → 3.1 flash → Nano Banana 2.1).
      models: ['gemini-3.1-flash-image', 'gemini-2.5-flash-image', 'gemini-nano-banana-2.1'],
      modelMap: { 'gemini-3.1-flash-image': 'gemini-3.1-flash-image-001' },
      priority: 2,
      weight: 3,
      timeoutMs: 120_000,
      pinForRetest: false,
      origin: 'file',
    });
    expect(upstreamModelName(channel, 'gemini-3.1-flash-image')).toBe('gemini-3.1-flash-image-001');
    expect(upstreamModelName(channel, 'gemini-2.5-flash-image')).toBe('gemini-2.5-flash-image');
  });

  it('does not add the AI Studio default when the file already has a gemini channel', () => {
    const config = load('channels:\n  - name: mine\n    provider: gemini\n    apiKeys: [k]\n', {
      GEMINI_API_KEY: 'env',
    });
    expect(config.channels.map((channel) => channel.name)).toEqual(['mine', 'local']);
  });

  it('does not add the local default when a configured channel serves local-image-edit', () => {
    const config = load('channels:\n  - name: local-engine\n    provider: local\n    priority: 5\n');
    expect(config.channels).toHaveLength(1);
    expect(config.channels[0]).toMatchObject({
      name: 'local-engine',
      models: ['local-image-edit'],
      priority: 5,
    });
  });

  it('gives a default channel a free name when the file already uses it', () => {
    const text =
      'channels:\n  - name: local\n    provider: openai-compatible\n    baseUrl: http://localhost:9000\n';
    const config = load(text);
    expect(config.channels.map((channel) => channel.name)).toEqual(['local', 'local-2']);
  });

  it('builds a vertex channel with credentials from GOOGLE_APPLICATION_CREDENTIALS', () => {
    const config = load(
      'channels:\n  - name: vertex\n    provider: vertex\n    vertex: { project: p, location: us-central1 }\n',
      {
        GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa.json',
      },
    );
    expect(config.channels[0]).toMatchObject({
      baseUrl: 'https://us-central1-aiplatform.googleapis.com',
      authStyle: 'bearer',
      vertex: { project: 'p', location: 'us-central1', credentialsFile: '/secrets/sa.json' },
    });
  });

  it('applies model overrides before checking channel models', () => {
    const text = [
      'models:',
      '  - id: gemini-2.5-flash-image',
      '    status: stable',
      '    aliases: [nano-banana, banana-classic]',
      'channels:',
      '  - name: router',
      '    provider: gemini-compatible',
      '    baseUrl: https://router.example.com/',
      '    models: [banana-classic]',
    ].join('\n');
    const config = load(text);
    expect(config.catalog.resolve('banana-classic')?.status).toBe('stable');
    expect(config.channels[0]).toMatchObject({ baseUrl: 'https://router.example.com', apiKeys: [] });
    // A retired model's successor is served by the channels that served it.
    expect(config.channels[0].models).toEqual([
      'gemini-2.5-flash-image',
      'gemini-3.1-flash-image',
      'gemini-nano-banana-2.1',
    ]);
  });

  it('reads routing, retest and billing settings with defaults for the rest', () => {
    const config = load(
      'routing:\n  maxAttempts: 5\n  circuit: { openMs: 1000 }\nbilling: { heldMultiplier: 1.5 }\n',
    );
    expect(config.routing).toEqual({
      maxAttempts: 5,
      deadlineMs: 300_000,
      circuit: { failureThreshold: 5, openMs: 1000 },
    });
    expect(config.billing).toEqual({ driftThreshold: 0.05, heldMultiplier: 1.5, settleBatchMs: 20 });
    expect(config.retest.enabled).toBe(true);
    expect(config.retest.doors).toEqual([
      'gemini',
      'openai-images',
      'openai-chat',
      'openai-responses',
      'gemini-interactions',
    ]);
  });

  it('accepts the OpenAI Responses door alone in retest.doors', () => {
    const config = load('retest:\n  doors: [openai-responses]\n');
    expect(config.retest.doors).toEqual(['openai-responses']);
  });

  it('accepts the Gemini Interactions door alone in retest.doors', () => {
    const config = load('retest:\n  doors: [gemini-interactions]\n');
    expect(config.retest.doors).toEqual(['gemini-interactions']);
  });
});
