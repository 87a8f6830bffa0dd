// A worker process of `serve` with `server.workers` > 1: which one it is, and its line to the primary.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { PrimaryLink } from './primary-link.js';

export const workerIndexVariable = 'IMAGEGATE_WORKER_INDEX';
/** The node's internal token, handed from the primary to each worker it forks (see Gateway.internalToken). */
export const nodeTokenVariable = 'IMAGEGATE_NODE_TOKEN';

export interface ClusterMember {
  /** 0 for the first worker: the one that prints the start banner and runs scheduled retests. */
  index: number;
  /** Workers on this node; shared bounds (body memory) are split between them. */
  count: number;
  link: PrimaryLink;
  /**
   * One internal token for every worker: a retest's loopback request may be dealt to any worker
   * of the node, and each must honour its channel pin.
   */
  internalToken: string;
}

/** This process's place in the cluster, or undefined when it runs alone. */
export function joinCluster(count: number): ClusterMember | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(process.env[workerIndexVariable] ?? 0);
  const internalToken = process.env[nodeTokenVariable];
  if (!internalToken) throw new Error(`a worker needs ${nodeTokenVariable} from its primary`);
  delete process.env[nodeTokenVariable];
  return { index, count, link: PrimaryLink.ofThisProcess(), internalToken };
}

/** Lets the primary collect this registry when it sums the workers' metrics. */
export function shareMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs the worker's answer to the primary's collection request.
  new AggregatorRegistry();
}
