// V8 settings for a process whose memory is mostly large, short-lived Buffers (image bodies).
import { setFlagsFromString } from 'node:v8';

/**
 * Each multi-MB body is external memory; V8 answers its growth by starting incremental marking,
 * whose marking steps and write barriers then slow every request until the cycle finishes. The
 * gateway's own heap is small (~30 MB), so one atomic mark-compact is cheaper than that: at 10 MB
 * per request this halves the added latency (bench/results/performance-log.md). `IMAGEGATE_V8_INCREMENTAL_MARKING=1`
 * keeps V8's default.
 */
export function tuneGarbageCollector(env: NodeJS.ProcessEnv = process.env): void {
  if (env.IMAGEGATE_V8_INCREMENTAL_MARKING === '1') return;
  setFlagsFromString('--no-incremental-marking');
}
