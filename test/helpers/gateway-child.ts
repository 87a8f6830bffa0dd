// `imagegate serve` as a child process with a config file of its own, on a free loopback port, with
// every line it writes kept: for tests that read the process's own output (logs, secrets).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningChild {
  child: ChildProcess;
  base: string;
  output: () => string;
}

/** `imagegate serve` as a child process with this config file text; every line it writes is kept. */
export async function startGatewayChild(
  configText: string,
  keys: { client: string; admin: string },
): Promise<RunningChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-secrets-'));
  writeFileSync(join(dataDir, 'imagegate.yaml'), configText);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    process.execPath,
    ['bin/imagegate.js', 'serve', '--port', String(port), '--host', '127.0.0.1'],
    {
      env: {
        ...process.env,
        IMAGEGATE_DATA_DIR: dataDir,
        IMAGEGATE_CONFIG: join(dataDir, 'imagegate.yaml'),
        IMAGEGATE_BOOTSTRAP_KEY: keys.client,
        IMAGEGATE_ADMIN_KEY: keys.admin,
        IMAGEGATE_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  for (let waited = 0; waited < 60_000; waited += 200) {
    const status = await fetch(`${base}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return { child, base, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`the gateway did not start:\n${output}`);
}
