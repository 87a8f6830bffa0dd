// The rows of the bench: how each route is reached (process, path, headers) on the same workload.
import { BENCH_MODEL, type Protocol } from './payloads.js';
import {
  IMAGEGATE_CLIENT_KEY,
  type RunningProxy,
  startImagegate,
  startNginx,
  startNodeRelay,
  startPortkey,
} from './peers.js';

export type RouteId =
  | 'direct'
  | 'nginx'
  | 'node-relay'
  | 'imagegate-gemini'
  | 'imagegate-chat'
  | 'imagegate-gemini-workers'
  | 'portkey-chat';

export interface RouteSpec {
  id: RouteId;
  label: string;
  protocol: Protocol;
  /** Starts a fresh proxy for one row; undefined for the direct row. */
  start?: (upstreamOrigin: string) => Promise<RunningProxy>;
  headers: (upstreamOrigin: string) => Record<string, string>;
  path: (stream: boolean) => string;
  /** Matrix rows (workload ids) the route runs; every row when absent. */
  workloads?: string[];
}

const geminiPath = (stream: boolean) =>
  `/v1beta/models/${BENCH_MODEL}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
const chatPath = () => '/v1/chat/completions';
const json = { 'content-type': 'application/json' };
/** The upstream's own key, for the routes that pass requests through unchanged (direct, nginx, the relay). */
const upstreamKeyHeaders = () => ({ ...json, 'x-goog-api-key': 'bench-upstream-key' });

export const routes: RouteSpec[] = [
  {
    id: 'direct',
    label: 'direct to the upstream',
    protocol: 'gemini',
    headers: upstreamKeyHeaders,
    path: geminiPath,
  },
  {
    id: 'nginx',
    label: 'nginx 1.22 `proxy_pass`',
    protocol: 'gemini',
    start: startNginx,
    headers: upstreamKeyHeaders,
    path: geminiPath,
  },
  {
    // What any Node proxy costs on this machine: the gateway's own work is what it adds beyond this.
    id: 'node-relay',
    label: 'bare Node relay (`node:http` + undici, streaming)',
    protocol: 'gemini',
    start: startNodeRelay,
    headers: upstreamKeyHeaders,
    path: geminiPath,
    workloads: ['1KBx1', '1KBx32', '10MBx1', '10MBx32'],
  },
  {
    id: 'imagegate-gemini',
    label: 'imagegate, Gemini door',
    protocol: 'gemini',
    start: startImagegate,
    headers: () => ({ ...json, 'x-goog-api-key': IMAGEGATE_CLIENT_KEY }),
    path: geminiPath,
  },
  {
    id: 'imagegate-chat',
    label: 'imagegate, OpenAI chat door',
    protocol: 'chat',
    start: startImagegate,
    headers: () => ({ ...json, authorization: `Bearer ${IMAGEGATE_CLIENT_KEY}` }),
    path: chatPath,
  },
  {
    // `server.workers: 2`: what a second process does where one process's main thread is the limit.
    id: 'imagegate-gemini-workers',
    label: 'imagegate, Gemini door, 2 workers',
    protocol: 'gemini',
    start: (upstreamOrigin) => startImagegate(upstreamOrigin, { workers: 2 }),
    headers: () => ({ ...json, 'x-goog-api-key': IMAGEGATE_CLIENT_KEY }),
    path: geminiPath,
    workloads: ['1KBx32', '10MBx32'],
  },
  {
    id: 'portkey-chat',
    label: '@portkey-ai/gateway 1.15, OpenAI chat → Google',
    protocol: 'chat',
    start: () => startPortkey(),
    headers: (upstreamOrigin) => ({
      ...json,
      authorization: 'Bearer bench-upstream-key',
      'x-portkey-provider': 'google',
      'x-portkey-custom-host': upstreamOrigin,
      // Without this Portkey drops the output image, which would flatter it.
      'x-portkey-strict-open-ai-compliance': 'false',
    }),
    path: chatPath,
  },
];
