// Keeps secrets out of configuration errors: which fields hold secrets (whatever the shape of their
// value: a string, a list, a mapping, nested), which values of a document are secrets, and the
// problems with every such value (and anything shaped like a key) scrubbed. Pure.
import type { IssuePath } from '../catalog/describe-issue.js';
import { scrubSecrets } from '../security/scrub-secrets.js';
import type { ConfigProblem } from './config-error.js';

/** `apiKeys`, `apiKey`, `key`, `token`, `clientSecret`, `password`, `credentials`… */
const secretFieldName = /key|secret|token|password|passwd|credential|private/i;

/** Problems are short; this bound only keeps a pathological document from making a huge message. */
const maximumProblemLength = 2000;
/** A document deeper than this is not a configuration; its deeper values are not collected. */
const maximumDepth = 32;

export function isSecretField(path: IssuePath): boolean {
  return path.some((segment) => typeof segment === 'string' && secretFieldName.test(segment));
}

/** Every scalar under a secret-named field of `value`, at any depth, as text. */
export function secretValuesIn(value: unknown, insideSecret = false, depth = 0): string[] {
  if (depth > maximumDepth) return [];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return insideSecret ? [String(value)] : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | undefined, unknown][] = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : Object.entries(value);
  return entries.flatMap(([name, item]) =>
    secretValuesIn(item, insideSecret || (name !== undefined && secretFieldName.test(name)), depth + 1),
  );
}

/** The problems with every known secret and every secret-shaped word in their text replaced. */
export function redactProblems(
  problems: readonly ConfigProblem[],
  secrets: Iterable<string>,
): ConfigProblem[] {
  const known = [...secrets];
  const scrub = (text: string) => scrubSecrets(text, known, maximumProblemLength);
  return problems.map((problem) => ({
    ...problem,
    ...(problem.path === undefined ? {} : { path: scrub(problem.path) }),
    message: scrub(problem.message),
  }));
}
