// Child processes for the bench: start one with its output in a log file, wait until it answers
// HTTP, stop it, and find free loopback ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';

export interface ChildService {
  name: string;
  pid: number;
  logPath: string;
  exited(): boolean;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The log's first error-looking line (or its last line), for a one-line failure note. */
export function logHeadline(path: string): string {
  const lines = logTail(path, 40).split('\n');
  return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? '';
}

export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logPath: string },
): ChildService {
  const logFd = openSync(options.logPath, 'a');
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let exitCode: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    });
  });
  return {
    name,
    pid: child.pid,
    logPath: options.logPath,
    exited: () => exitCode !== undefined,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/** Polls `url` until it answers with any HTTP status; fails early if the process died. */
export async function waitUntilAnswering(
  service: ChildService,
  url: string,
  timeoutMs = 30_000,
  /**
   * Which statuses mean started: any answer by default; imagegate's /readyz answers 200 once every
   * worker listens.
   */
  started: (status: number) => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.exited())
      throw new Error(`${service.name} exited during start: ${logHeadline(service.logPath)}`);
    try {
      const answer = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await answer.body.dump();
      if (started(answer.statusCode)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `${service.name} did not answer ${url} within ${timeoutMs} ms:\n${logTail(service.logPath)}`,
  );
}
