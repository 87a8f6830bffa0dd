// The shared-state part of the messages between the workers of a node and their primary (Node's
// cluster IPC channel, carried by src/cluster/). A worker asks and the primary answers; a notice
// needs no answer.
import type { AdmissionRequest } from '../admission.js';
import type { CircuitFailure } from '../circuits.js';

/** A worker's question about shared state (the channel adds the id its answer carries). */
export type StateQuestion =
  | { imagegate: 'admit'; request: AdmissionRequest }
  | { imagegate: 'retest-lock'; ttlMs: number }
  | { imagegate: 'circuit-success'; channel: string; model: string }
  | { imagegate: 'circuit-failure'; channel: string; model: string; failure: CircuitFailure }
  | { imagegate: 'circuits' };

/** A worker's word that it let go of what a handle names. */
export type StateNotice =
  | { imagegate: 'release'; pass: number }
  | { imagegate: 'retest-unlock'; lease: number };

/** A worker's line to its primary, as shared state uses it. */
export interface PrimaryChannel {
  /** Resolves with the primary's answer, or rejects with the error it answered with. */
  ask(question: StateQuestion): Promise<unknown>;
  notify(notice: StateNotice): void;
}

const noticeNames = new Set<string>(['release', 'retest-unlock'] satisfies StateNotice['imagegate'][]);

export function isStateNotice(message: { imagegate: string }): message is StateNotice {
  return noticeNames.has(message.imagegate);
}
