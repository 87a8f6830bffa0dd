// The proxies under test, each started fresh per row as its own process tree: nginx proxy_pass
// (the pure-proxy floor), @portkey-ai/gateway (installed under bench/peers) and imagegate itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ChildService, freePort, startChild, waitUntilAnswering } from './processes.js';
import { BENCH_MODEL } from './payloads.js';

export const NGINX_BINARY = '/usr/sbin/nginx';
export const PEERS_DIR = 'bench/peers';
const PORTKEY_SERVER = join(PEERS_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');
export const IMAGEGATE_CLIENT_KEY = 'bench-client-key';

export interface RunningProxy {
  origin: string;
  service: ChildService;
}

const workRoot = mkdtempSync(join(tmpdir(), 'imagegate-bench-'));

export function benchWorkDir(): string {
  return workRoot;
}

export function nginxMissingNote(): string | undefined {
  if (existsSync(NGINX_BINARY)) return undefined;
  return `${NGINX_BINARY} is missing; install Debian nginx with \`apt-get install -y nginx\` to add this row`;
}

/** Installs Portkey under bench/peers on first use (pinned hono/@hono/node-server via npm overrides). */
export function ensurePortkeyInstalled(log: (line: string) => void): string | undefined {
  if (existsSync(PORTKEY_SERVER)) return undefined;
  log(`installing @portkey-ai/gateway into ${PEERS_DIR} (first run)…`);
  try {
    execFileSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], { stdio: 'ignore' });
  } catch (error) {
    return `npm install --prefix ${PEERS_DIR} failed: ${(error as Error).message}`;
  }
  return existsSync(PORTKEY_SERVER) ? undefined : `${PORTKEY_SERVER} missing after npm install`;
}

function nginxConfig(prefix: string, port: number, upstreamOrigin: string, bodyBuffer: string): string {
  const upstreamHost = upstreamOrigin.replace(/^http:\/\//, '');
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  return `${user}worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream fixed_upstream {
    server ${upstreamHost};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 64m;
    client_body_buffer_size ${bodyBuffer};
    location / {
      proxy_pass http://fixed_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
}

export async function startNginx(upstreamOrigin: string): Promise<RunningProxy> {
  const prefix = mkdtempSync(join(workRoot, 'nginx-'));
  const port = await freePort();
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig(prefix, port, upstreamOrigin, '16m'));
  const service = startChild(
    'nginx',
    NGINX_BINARY,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
    { logPath: join(prefix, 'output.log') },
  );
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(service, `${origin}/__bench/stats`);
  return { origin, service };
}

/** The bare Node relay (bench/node-relay.ts), run through bin/run-ts.js as the fixed upstream is. */
export async function startNodeRelay(upstreamOrigin: string): Promise<RunningProxy> {
  const port = await freePort();
  const service = startChild('node-relay', process.execPath, ['bin/run-ts.js', 'bench/node-relay.ts'], {
    env: {
      ...process.env,
      IMAGEGATE_BENCH_RELAY_UPSTREAM: upstreamOrigin,
      IMAGEGATE_BENCH_RELAY_PORT: String(port),
    },
    logPath: join(mkdtempSync(join(workRoot, 'node-relay-')), 'output.log'),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(service, `${origin}/__bench/stats`);
  return { origin, service };
}

export async function startPortkey(): Promise<RunningProxy> {
  const port = await freePort();
  const service = startChild('portkey', process.execPath, [PORTKEY_SERVER, `--port=${port}`, '--headless'], {
    logPath: join(mkdtempSync(join(workRoot, 'portkey-')), 'output.log'),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(service, `${origin}/`);
  return { origin, service };
}

let imagegateDirectory = process.cwd();

/**
 * Benches a committed snapshot instead of the working tree (others may be mid-edit): `git archive`
 * of the ref into a temp dir that borrows this checkout's node_modules, built as `npm ci` builds it.
 */
export function useImagegateSnapshot(ref: string): string {
  const snapshot = imagegateSnapshot(ref);
  imagegateDirectory = snapshot.directory;
  return snapshot.commit;
}

/**
 * A built snapshot of `ref` (as useImagegateSnapshot) for startImagegate's `directory`: in a temp
 * dir, or under `cacheRoot`, where a snapshot built before is reused.
 */
export function imagegateSnapshot(ref: string, cacheRoot?: string): { directory: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
  const directory = cacheRoot ? join(cacheRoot, commit) : mkdtempSync(join(workRoot, 'imagegate-src-'));
  if (cacheRoot && existsSync(join(directory, 'dist', 'build-stamp'))) return { directory, commit };
  mkdirSync(directory, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${directory}"`]);
  symlinkSync(resolve('node_modules'), join(directory, 'node_modules'));
  buildImagegate(directory);
  return { directory, commit };
}

/** Compiles the benched sources to dist/ as `npm ci` does, so the bench runs what users run. */
export function buildImagegate(directory = imagegateDirectory): void {
  if (!existsSync(join(directory, 'scripts', 'build.js'))) return; // an older snapshot
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: directory, stdio: 'ignore' });
}

/**
 * Node's arguments for `imagegate serve` as `npm start` gives them in the benched checkout (say,
 * `--max-semi-space-size=32 bin/imagegate.js serve`).
 */
export function npmStartArguments(directory = imagegateDirectory): string[] {
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (manifest.scripts?.start ?? '').trim().split(/\s+/);
  return words[0] === 'node' && words.includes('bin/imagegate.js')
    ? words.slice(1)
    : ['bin/imagegate.js', 'serve'];
}

/**
 * `imagegate serve` as `npm start` runs it: default log level, SQLite in a fresh data dir, one
 * channel; `workers` sets `server.workers` (one process by default, as `npm start`); `directory` is
 * the checkout to run (default: the benched one).
 */
export async function startImagegate(
  upstreamOrigin: string,
  options: { workers?: number; directory?: string } = {},
): Promise<RunningProxy> {
  const directory = options.directory ?? imagegateDirectory;
  const dataDir = mkdtempSync(join(workRoot, 'imagegate-'));
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(dataDir, 'imagegate.yaml');
  writeFileSync(
    configPath,
    `channels:
  - name: bench-upstream
    provider: gemini-compatible
    baseUrl: ${upstreamOrigin}
    apiKeys: [bench-upstream-key]
    models: [${BENCH_MODEL}]
# The scheduled retest would send its own requests to the fixed upstream, breaking the row's count check.
retest:
  enabled: false
${options.workers === undefined ? '' : `server:\n  workers: ${options.workers}\n`}`,
  );
  const port = await freePort();
  const service = startChild('imagegate', process.execPath, npmStartArguments(directory), {
    cwd: directory,
    env: {
      ...process.env,
      IMAGEGATE_PORT: String(port),
      IMAGEGATE_HOST: '127.0.0.1',
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_CONFIG: configPath,
      IMAGEGATE_BOOTSTRAP_KEY: IMAGEGATE_CLIENT_KEY,
    },
    logPath: join(dataDir, 'output.log'),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(service, `${origin}/readyz`, 30_000, (status) => status === 200);
  return { origin, service };
}
