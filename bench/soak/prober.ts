// Measures the gateway from outside while the soak runs: a /healthz probe every `intervalMs`, fired
// on schedule whether or not the last one came back (so a stall delays every probe it covers), in a
// worker thread of its own so the soak's clients cannot delay the measurement; and the gateway
// process's RSS once a second.
import { Worker } from 'node:worker_threads';
import { currentRssMegabytes } from '../rss.js';

export interface ProbeSample {
  /** Milliseconds since the prober started. */
  at: number;
  /** Round-trip time; Infinity when the probe failed or timed out. */
  milliseconds: number;
}

export interface RssSample {
  at: number;
  megabytes: number;
}

// Plain JavaScript, run with `eval`: the worker must not need the TypeScript loader.
const proberSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const samples = [];
const failures = {};
const started = Date.now();
function probe() {
  const sent = performance.now();
  const at = Date.now() - started;
  let done = false;
  const finish = (failure) => {
    if (done) return;
    done = true;
    samples.push({ at, milliseconds: failure ? Infinity : performance.now() - sent });
    if (failure) failures[failure] = (failures[failure] || 0) + 1;
  };
  // A new connection each time: the probe also measures how soon the gateway accepts one.
  const request = http.get(workerData.url + '/healthz', { agent: false, timeout: 5000 }, (response) => {
    response.resume();
    response.on('end', () => finish(response.statusCode === 200 ? undefined : 'HTTP ' + response.statusCode));
  });
  request.on('timeout', () => { finish('no answer in 5 s'); request.destroy(); });
  request.on('error', (error) => finish(error.message));
}
const timer = setInterval(probe, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  setTimeout(() => parentPort.postMessage({ samples, failures }), 5200);
});
`;

export interface ProbeResults {
  probes: ProbeSample[];
  /** Why probes failed, with counts. */
  failures: Record<string, number>;
  rss: RssSample[];
}

export interface Prober {
  stop(): Promise<ProbeResults>;
}

export function startProber(url: string, gatewayPid: number, intervalMs = 75): Prober {
  const worker = new Worker(proberSource, { eval: true, workerData: { url, intervalMs } });
  const started = Date.now();
  const rss: RssSample[] = [];
  const sampler = setInterval(() => {
    rss.push({ at: Date.now() - started, megabytes: currentRssMegabytes(gatewayPid) });
  }, 1000);
  return {
    async stop() {
      clearInterval(sampler);
      const { samples, failures } = await new Promise<{
        samples: ProbeSample[];
        failures: Record<string, number>;
      }>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('stop');
      });
      await worker.terminate();
      return { probes: samples, failures, rss };
    },
  };
}
