// Runs `imagegate serve` as a separate process, the way a replica runs in production, and a
// round-robin client over several of them (a stand-in for the load balancer).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface ReplicaOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  bootstrapKey: string;
  configPath: string;
  dataDir: string;
  /** `server.workers` of this replica (one process when absent). */
  workers?: number;
}

export interface Replica {
  url: string;
  /** Everything the process wrote to stderr (its warnings), for diagnosing a failure. */
  stderr(): string;
  /** SIGTERM, then wait for the drain and exit (SIGKILL after `timeoutMs`). Returns the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    IMAGEGATE_DATABASE_URL: options.databaseUrl,
    IMAGEGATE_REDIS_URL: options.redisUrl,
    IMAGEGATE_REDIS_PREFIX: options.redisPrefix,
    IMAGEGATE_BOOTSTRAP_KEY: options.bootstrapKey,
    IMAGEGATE_CONFIG: options.configPath,
    IMAGEGATE_DATA_DIR: options.dataDir,
    IMAGEGATE_PORT: '0',
    IMAGEGATE_LOG_LEVEL: 'warn',
    ...(options.workers === undefined ? {} : { IMAGEGATE_WORKERS: String(options.workers) }),
  };
  const child = spawn(process.execPath, ['bin/imagegate.js', 'serve'], {
    cwd: repositoryRoot,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Stopped, so a replica (or a primary that keeps restarting workers) does not outlive the test.
      child.kill('SIGTERM');
      reject(new Error(`replica did not start in 30 s:\n${stderr}`));
    }, 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /imagegate listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { url, stderr: () => stderr, stop: (timeoutMs = 30_000) => stopProcess(child, timeoutMs) };
}

async function stopProcess(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return code;
}

/** Sends each request to the next replica in turn, as a round-robin load balancer would. */
/**
 * Starts two replicas of one deployment, one after the other so the first runs the migrations alone,
 * each with a data dir of its own under `dataDir`; each is pushed to `into` once it has started, so
 * the caller stops whichever did start.
 */
export async function startTwoReplicas(
  options: Omit<ReplicaOptions, 'dataDir'>,
  dataDir: string,
  into: Replica[],
): Promise<void> {
  for (const name of ['a', 'b']) into.push(await startReplica({ ...options, dataDir: join(dataDir, name) }));
}

export class RoundRobin {
  private next = 0;

  constructor(private readonly replicas: readonly Replica[]) {}

  fetch(path: string, init: RequestInit): Promise<Response> {
    const replica = this.replicas[this.next % this.replicas.length];
    this.next += 1;
    return fetch(`${replica.url}${path}`, init);
  }
}
