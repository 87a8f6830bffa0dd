// The gateway under soak runs as `imagegate serve` in a child process, so a stall of its event loop
// is measured from outside (by the prober in this process) instead of stalling the measurement too.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildService, freePort, startChild, waitUntilAnswering } from '../processes.js';
import type { SoakChannel } from './upstreams.js';

export const adminKey = 'soak-admin-key';
export const bootstrapClientKey = 'soak-bootstrap-client-key';

/** Small enough that a second ≥ 1 MiB body queues for memory, so clients can leave while queued. */
export const bodyMemoryBytes = 6 * 1024 * 1024;
/** Short, so a stalled body is answered (408) well inside a short soak. */
export const requestTimeoutMs = 10_000;

export interface GatewayProcess {
  url: string;
  dataDir: string;
  logPath: string;
  pid: number;
  stop(): Promise<void>;
}

function configYaml(channels: SoakChannel[]): string {
  const channelYaml = channels
    .map(
      (channel) =>
        `  - name: ${channel.name}\n    provider: ${channel.provider}\n    baseUrl: ${channel.url}\n` +
        `    apiKeys: ["${channel.apiKey}"]\n    models: [${channel.models.join(', ')}]\n` +
        `    priority: ${channel.priority}\n    timeoutMs: 15000\n`,
    )
    .join('');
  return [
    `server: { bodyMemoryBytes: ${bodyMemoryBytes}, requestTimeoutMs: ${requestTimeoutMs} }`,
    `channels:\n${channelYaml}`,
    'routing:\n  maxAttempts: 4\n  circuit: { failureThreshold: 5, openMs: 2000 }',
    'retest: { enabled: false }',
    '',
  ].join('\n');
}

export async function startGatewayProcess(
  channels: SoakChannel[],
  databaseUrl: string | undefined,
): Promise<GatewayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-soak-'));
  writeFileSync(join(dataDir, 'imagegate.yaml'), configYaml(channels));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dataDir, 'gateway.log');
  // Provider keys from the caller's environment would add real channels: the soak stays on loopback.
  const { GEMINI_API_KEY, OPENAI_API_KEY, GOOGLE_APPLICATION_CREDENTIALS, ...environment } = process.env;
  const child: ChildService = startChild(
    'gateway',
    process.execPath,
    ['bin/imagegate.js', 'serve', '--port', String(port), '--host', '127.0.0.1'],
    {
      env: {
        ...environment,
        IMAGEGATE_DATA_DIR: dataDir,
        IMAGEGATE_CONFIG: join(dataDir, 'imagegate.yaml'),
        IMAGEGATE_BOOTSTRAP_KEY: bootstrapClientKey,
        IMAGEGATE_ADMIN_KEY: adminKey,
        ...(databaseUrl === undefined ? {} : { IMAGEGATE_DATABASE_URL: databaseUrl }),
        IMAGEGATE_LOG_LEVEL: 'info',
      },
      logPath,
    },
  );
  await waitUntilAnswering(child, `${url}/readyz`, 60_000, (status) => status === 200);
  return { url, dataDir, logPath, pid: child.pid, stop: () => child.stop() };
}

export interface CreatedKey {
  id: string;
  key: string;
}

/** Creates a client key through the admin API (the way an operator would). */
export async function createKey(
  gateway: GatewayProcess,
  name: string,
  spendLimitUsd?: number,
): Promise<CreatedKey> {
  const response = await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, spendLimitUsd }),
  });
  const body = (await response.json()) as { id?: string; key?: string };
  if (!response.ok || !body.id || !body.key)
    throw new Error(`creating key ${name}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return { id: body.id, key: body.key };
}

/** One gauge from the gateway's Prometheus text, or undefined when it is not there. */
export async function readGauge(gateway: GatewayProcess, name: string): Promise<number | undefined> {
  const text = await fetch(`${gateway.url}/metrics`).then((response) => response.text());
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
