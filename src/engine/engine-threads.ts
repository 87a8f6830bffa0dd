// Runs the offline engine on worker threads: a 7000×7000 edit is seconds of per-pixel JavaScript
// that would otherwise stall every other request. Threads start with the first edit, each runs one
// edit at a time, and a thread that dies is replaced (its edit fails, the others go on).
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EngineThreadAnswer, EngineThreadRequest } from './engine-thread-entry.js';
import { loadSharp } from './load-sharp.js';
import type { EngineInput, EngineResult } from './types.js';

interface Job {
  input: EngineInput;
  resolve: (result: EngineResult) => void;
  reject: (error: Error) => void;
}

interface EngineThread {
  worker: Worker;
  job?: Job;
}

/** tsx's ESM `register` module: a thread run from the TypeScript sources needs the loader too. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}

/** Compiled, the entry is a sibling .js file; from the sources (tsx, vitest) it is registered first. */
function spawnEntry(): Worker {
  const entry = new URL(
    `./engine-thread-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  );
  if (entry.pathname.endsWith('.js')) return new Worker(entry);
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export class EngineThreads {
  private readonly threads: EngineThread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, EngineThread>();

  constructor(private readonly count: number) {}

  run(input: EngineInput): Promise<EngineResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
    this.threads.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.idleThread();
      if (!thread) return;
      const job = this.queue.shift() as Job;
      const id = this.nextId++;
      thread.job = job;
      this.pending.set(id, thread);
      thread.worker.ref();
      thread.worker.postMessage({ id, input: job.input } satisfies EngineThreadRequest);
    }
  }

  private idleThread(): EngineThread | undefined {
    const idle = this.threads.find((thread) => !thread.job);
    if (idle) return idle;
    if (this.threads.length >= this.count) return undefined;
    const thread: EngineThread = { worker: spawnEntry() };
    thread.worker.on('message', (answer: EngineThreadAnswer) => this.finish(thread, answer));
    thread.worker.on('error', (error) => this.fail(thread, error));
    thread.worker.on('exit', (code) =>
      this.fail(thread, new Error(`the engine thread exited (code ${code})`)),
    );
    thread.worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private finish(thread: EngineThread, answer: EngineThreadAnswer): void {
    this.pending.delete(answer.id);
    const job = thread.job;
    thread.job = undefined;
    // Idle, a thread does not keep the process up.
    thread.worker.unref();
    if ('error' in answer) {
      job?.reject(Object.assign(new Error(answer.error.message), { name: answer.error.name }));
    } else {
      const { result } = answer;
      // Structured clone hands the PNG over as a Uint8Array; callers read a Buffer.
      job?.resolve(
        result.kind === 'image'
          ? {
              ...result,
              image: Buffer.from(result.image.buffer, result.image.byteOffset, result.image.byteLength),
            }
          : result,
      );
    }
    this.dispatch();
  }

  private fail(thread: EngineThread, error: Error): void {
    const index = this.threads.indexOf(thread);
    if (index < 0) return;
    this.threads.splice(index, 1);
    for (const [id, owner] of this.pending) if (owner === thread) this.pending.delete(id);
    thread.job?.reject(error);
    thread.job = undefined;
    void thread.worker.terminate();
    this.dispatch();
  }
}

let shared: EngineThreads | undefined;

/**
 * The process's engine threads: one per core but one (at least one, at most two), leaving a core to
 * the event loop; the pixel memory bound, not the thread count, keeps memory in check.
 */
export async function engineThreads(): Promise<EngineThreads> {
  // sharp must be loaded by the main thread before any other thread loads it (libvips is shared).
  await loadSharp();
  shared ??= new EngineThreads(Math.max(1, Math.min(2, availableParallelism() - 1)));
  return shared;
}
