import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { errorMessage, writeConfig } from './helpers.js';

describe('loading with no config file', () => {
  it('serves the local engine on the default port and host', () => {
    const config = loadConfig({ env: {} });
    expect(config.server).toMatchObject({ port: 8787, host: '127.0.0.1' });
    expect(config.storage.dataDir).toBe('./data');
    expect(config.channels).toHaveLength(1);
    expect(config.channels[0]).toMatchObject({
      name: 'local',
      provider: 'local',
      models: ['local-image-edit'],
      origin: 'default',
    });
    expect(config.routing).toEqual({
      maxAttempts: 3,
      deadlineMs: 300_000,
      circuit: { failureThreshold: 5, openMs: 30_000 },
    });
    expect(config.billing.driftThreshold).toBe(0.05);
  });

  it('adds an AI Studio channel for every gemini model when GEMINI_API_KEY is set', () => {
    const config = loadConfig({ env: { GEMINI_API_KEY: 'gemini-secret' } });
    const channel = config.channels.find((candidate) => candidate.name === 'google-ai-studio');
    expect(channel).toMatchObject({
      provider: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiKeys: ['gemini-secret'],
      authStyle: 'header',
    });
    expect(channel?.models).toEqual(
      config.catalog
        .list()
        .filter((model) => model.family === 'gemini')
        .map((model) => model.id),
    );
    expect(channel?.models).toEqual(expect.arrayContaining(['gemini-3.1-flash-image', 'gemini-3-pro-image']));
  });

  it('adds an OpenAI channel for the openai models when OPENAI_API_KEY is set', () => {
    const config = loadConfig({ env: { OPENAI_API_KEY: 'sk-test' } });
    const channel = config.channels.find((candidate) => candidate.name === 'openai');
    expect(channel).toMatchObject({
      provider: 'openai',
      baseUrl: 'https://api.openai.com',
      authStyle: 'bearer',
    });
    expect(channel?.models).toEqual(
      config.catalog
        .list()
        .filter((model) => model.family === 'openai')
        .map((model) => model.id),
    );
    expect(channel?.models).toEqual(expect.arrayContaining(['gpt-image-2', 'gpt-image-2.6-sunburst']));
  });

  it('reads server, storage and auth settings from the environment', () => {
    const config = loadConfig({
      env: {
        IMAGEGATE_PORT: '9000',
        IMAGEGATE_HOST: '0.0.0.0',
        IMAGEGATE_DATA_DIR: '/var/lib/imagegate',
        IMAGEGATE_DATABASE_URL: 'postgres://db/imagegate',
        IMAGEGATE_REDIS_URL: 'redis://cache:6379',
        IMAGEGATE_REDIS_PREFIX: 'edge:',
        IMAGEGATE_ADMIN_KEY: 'admin',
        IMAGEGATE_BOOTSTRAP_KEY: 'bootstrap',
      },
    });
    expect(config.server).toMatchObject({ port: 9000, host: '0.0.0.0' });
    expect(config.storage).toEqual({
      dataDir: '/var/lib/imagegate',
      databaseUrl: 'postgres://db/imagegate',
      redisUrl: 'redis://cache:6379',
      redisKeyPrefix: 'edge:',
    });
    expect(config.auth).toEqual({ adminKey: 'admin', bootstrapKey: 'bootstrap' });
  });

  it('rejects a port that is not a number, naming the variable', () => {
    expect(errorMessage(() => loadConfig({ env: { IMAGEGATE_PORT: 'eighty' } }))).toBe(
      'IMAGEGATE_PORT: expected a port number 0-65535, got "eighty"',
    );
  });
});

describe('worker processes', () => {
  it('runs one process unless told otherwise', () => {
    expect(loadConfig({ env: {} }).server.workers).toBe(1);
  });

  it('reads server.workers from the file and IMAGEGATE_WORKERS over it; auto is one per core', () => {
    const path = writeConfig('server: { workers: 3 }\n');
    expect(loadConfig({ env: {}, argvConfigPath: path }).server.workers).toBe(3);
    expect(loadConfig({ env: { IMAGEGATE_WORKERS: '2' }, argvConfigPath: path }).server.workers).toBe(2);
    expect(loadConfig({ env: { IMAGEGATE_WORKERS: 'auto' } }).server.workers).toBe(availableParallelism());
    const auto = writeConfig('server: { workers: auto }\n');
    expect(loadConfig({ env: {}, argvConfigPath: auto }).server.workers).toBe(availableParallelism());
  });

  it('rejects a count that is not 1-64 or auto, naming where it came from', () => {
    expect(errorMessage(() => loadConfig({ env: { IMAGEGATE_WORKERS: '0' } }))).toBe(
      'IMAGEGATE_WORKERS: expected a number of processes 1-64 or "auto", got "0"',
    );
    const path = writeConfig('server:\n  workers: many\n');
    expect(errorMessage(() => loadConfig({ env: {}, argvConfigPath: path }))).toMatch(
      /imagegate\.yaml:2:12 server\.workers: expected one of auto, got "many"$/,
    );
    const zero = writeConfig('server:\n  workers: 0\n');
    expect(errorMessage(() => loadConfig({ env: {}, argvConfigPath: zero }))).toMatch(
      /imagegate\.yaml:2:12 server\.workers: must be at least 1, got number 0$/,
    );
  });
});

describe('precedence', () => {
  it('lets flags override the environment and the environment override the file', () => {
    const path = writeConfig('server:\n  port: 7000\n  host: 10.0.0.1\n');
    expect(loadConfig({ env: {}, argvConfigPath: path }).server).toMatchObject({
      port: 7000,
      host: '10.0.0.1',
    });
    const fromEnvironment = loadConfig({ env: { IMAGEGATE_PORT: '7100' }, argvConfigPath: path });
    expect(fromEnvironment.server.port).toBe(7100);
    const fromFlags = loadConfig({
      env: { IMAGEGATE_PORT: '7100' },
      argvConfigPath: path,
      flags: { port: 7200 },
    });
    expect(fromFlags.server.port).toBe(7200);
  });

  it('reads the file named by IMAGEGATE_CONFIG, and --config wins over it', () => {
    const fromEnvironment = writeConfig('server: { port: 7300 }\n');
    const fromFlag = writeConfig('server: { port: 7400 }\n');
    expect(loadConfig({ env: { IMAGEGATE_CONFIG: fromEnvironment } }).server.port).toBe(7300);
    expect(
      loadConfig({ env: { IMAGEGATE_CONFIG: fromEnvironment }, argvConfigPath: fromFlag }).server.port,
    ).toBe(7400);
  });

  it('reports a config file that does not exist', () => {
    const attempt = () => loadConfig({ env: {}, argvConfigPath: '/nonexistent/imagegate.yaml' });
    expect(attempt).toThrow(ConfigError);
    expect(errorMessage(attempt)).toMatch(/^\/nonexistent\/imagegate\.yaml: cannot read the config file/);
  });
});
