// The retest outcome vocabulary and how an HTTP failure becomes an outcome. Pure.

export type RetestDoor =
  | 'gemini'
  | 'openai-images'
  | 'openai-chat'
  | 'openai-responses'
  | 'gemini-interactions';

export const allRetestDoors: readonly RetestDoor[] = [
  'gemini',
  'openai-images',
  'openai-chat',
  'openai-responses',
  'gemini-interactions',
];

/** `pass`, `no_image`, `semantic_fail`, `timeout`, or `error:<class>` (e.g. `error:overloaded`). */
export type RetestOutcome = 'pass' | 'no_image' | 'semantic_fail' | 'timeout' | `error:${string}`;

export function isRetestDoor(value: string): value is RetestDoor {
  return (allRetestDoors as readonly string[]).includes(value);
}

/** The error class an HTTP status implies when the gateway's own class is not known. */
export function errorClassForStatus(status: number, message = ''): string {
  if (status === 429) return /quota|billing|spend/i.test(message) ? 'quota' : 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 502 && /no image/i.test(message)) return 'no_image';
  if (status === 502 || status === 503) return 'overloaded';
  if (status >= 500) return 'upstream_bug';
  return 'bad_request';
}

/** A failed call's outcome: the gateway's error class when known, else one derived from the status. */
export function outcomeForFailure(status: number, errorClass: string | null, message = ''): RetestOutcome {
  const effective = errorClass ?? errorClassForStatus(status, message);
  if (effective === 'no_image') return 'no_image';
  if (effective === 'timeout') return 'timeout';
  if (effective === 'semantic_fail') return 'semantic_fail';
  return `error:${effective}`;
}

export function isPass(outcome: string): boolean {
  return outcome === 'pass';
}

/** A door route that is not registered in this build answers the app's generic 404 "No route …". */
export function isMissingDoorAnswer(status: number, message: string): boolean {
  return status === 404 && /^No route /.test(message);
}
