// Starts a real gateway in this process on a random loopback port, with its own temp SQLite
// database and config file, the way `imagegate serve` does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createGateway, type RunningGateway } from '../../src/server/assemble.js';
import { pendingWritesCommitted } from '../../src/server/gateway.js';
import { createLogger } from '../../src/security/logger.js';

export const TEST_CLIENT_KEY = 'test-client-key';
export const TEST_ADMIN_KEY = 'test-admin-key';

export interface TestGateway {
  url: string;
  key: string;
  adminKey: string;
  dataDir: string;
  running: RunningGateway;
  /** Commits the settles and request log rows queued so far, before a test reads the database. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestGateway(
  options: { configYaml?: string; env?: Record<string, string>; now?: () => number } = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-test-'));
  const env: Record<string, string> = {
    IMAGEGATE_DATA_DIR: dataDir,
    IMAGEGATE_BOOTSTRAP_KEY: TEST_CLIENT_KEY,
    IMAGEGATE_ADMIN_KEY: TEST_ADMIN_KEY,
    ...options.env,
  };
  if (options.configYaml) {
    const configPath = join(dataDir, 'imagegate.yaml');
    writeFileSync(configPath, options.configYaml);
    env.IMAGEGATE_CONFIG = configPath;
  }
  const config = loadConfig({ env });
  const running = await createGateway(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    now: options.now,
  });
  const url = await running.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    key: TEST_CLIENT_KEY,
    adminKey: TEST_ADMIN_KEY,
    dataDir,
    running,
    settled: () => pendingWritesCommitted(running.gateway),
    close: () => running.close(),
  };
}

/** A channel block for a Gemini-native upstream-sim at `url`. */
export function simChannelYaml(name: string, url: string, models: string[], extra = ''): string {
  return `  - name: ${name}
    provider: gemini-compatible
    baseUrl: ${url}
    apiKeys: ["sim-key-${name}"]
    models: [${models.join(', ')}]
${extra}`;
}
