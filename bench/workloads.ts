// What the bench sends: the matrix of payload size × concurrency, plus the memory and stream rows,
// with bounded counts and time caps (full run under ~15 minutes; --quick for a smoke run).
import type { RouteId } from './routes.js';
import type { SizeClass } from './payloads.js';

export interface Workload {
  id: string;
  label: string;
  size: SizeClass;
  concurrency: number;
  count: number;
  warmup: number;
  maxSeconds: number;
  /** Rounds of every route, interleaved, each on a fresh proxy; the report takes their median. */
  rounds: number;
}

export interface MemoryWorkload extends Workload {
  routes: RouteId[];
}

export interface StreamWorkload {
  label: string;
  count: number;
  routes: RouteId[];
}

export interface BenchPlan {
  quick: boolean;
  /** Small calls every proxy serves before a row's own warm-up (bench/run.ts says why). */
  settleCalls: number;
  matrix: Workload[];
  memory: MemoryWorkload;
  stream: StreamWorkload;
}

function workload(
  size: SizeClass,
  concurrency: number,
  count: number,
  warmup: number,
  maxSeconds: number,
  rounds = 1,
) {
  const label = `${size.replace('KB', ' KB').replace('MB', ' MB')}, ${concurrency === 1 ? '1 at a time' : `${concurrency} at a time`}`;
  return { id: `${size}x${concurrency}`, label, size, concurrency, count, warmup, maxSeconds, rounds };
}

export function benchPlan(quick: boolean): BenchPlan {
  const scale = (full: number, small: number) => (quick ? small : full);
  return {
    quick,
    settleCalls: scale(3000, 200),
    // Every matrix row runs three interleaved rounds of every route: ratios of single rounds moved
    // by up to 0.7× from one minute to the next on this shared machine, so one slow minute does not
    // decide a target.
    matrix: [
      workload('1KB', 1, scale(300, 30), scale(200, 20), scale(20, 5), scale(3, 2)),
      workload('1KB', 32, scale(3000, 200), scale(320, 32), scale(20, 5), scale(3, 2)),
      workload('1MB', 1, scale(100, 10), scale(10, 2), scale(20, 5), scale(3, 2)),
      workload('1MB', 32, scale(320, 64), scale(32, 4), scale(30, 8), scale(3, 2)),
      workload('10MB', 1, scale(20, 3), scale(3, 1), scale(30, 8), scale(3, 2)),
      workload('10MB', 32, scale(64, 32), scale(2, 1), scale(40, 10), scale(3, 2)),
    ],
    memory: {
      ...workload('10MB', 64, 64, 2, scale(60, 30)),
      id: '10MBx64',
      label: '64 concurrent 10 MB edits in flight',
      routes: ['nginx', 'imagegate-gemini', 'imagegate-chat', 'imagegate-gemini-workers'],
    },
    stream: {
      label: 'a streamed 8 MB image event (`:streamGenerateContent?alt=sse`)',
      count: scale(10, 3),
      routes: ['direct', 'nginx', 'imagegate-gemini'],
    },
  };
}
