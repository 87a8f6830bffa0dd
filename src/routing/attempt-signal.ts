// The signal one upstream attempt runs under: its own deadline, and the client leaving.

/** What aborts a call (the client leaving): an AbortSignal, or a lighter source with a callback. */
export interface CancelSignal {
  readonly aborted: boolean;
  /** Calls `listener` once on abort; returns its removal. */
  onAbort(listener: () => void): () => void;
}

/**
 * One attempt's signal: aborted after `ms` (a TimeoutError, read as a timeout) or when the client's
 * signal aborts. One timer and one listener, both removed by dispose(): AbortSignal.timeout and
 * AbortSignal.any cost a timer, weak references and a finalizer each, per attempt.
 */
export function abortAfter(ms: number, parent: AbortSignal | CancelSignal | undefined) {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent && 'reason' in parent ? parent.reason : undefined);
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    Math.max(0, ms),
  );
  timer.unref();
  let unsubscribe: (() => void) | undefined;
  if (parent?.aborted) onParentAbort();
  else if (parent && 'onAbort' in parent) unsubscribe = parent.onAbort(onParentAbort);
  else if (parent) {
    parent.addEventListener('abort', onParentAbort, { once: true });
    unsubscribe = () => parent.removeEventListener('abort', onParentAbort);
  }
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      unsubscribe?.();
    },
  };
}
