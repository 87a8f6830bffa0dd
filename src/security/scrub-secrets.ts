// Removes secrets from text that came from outside the gateway (upstream error messages, pages,
// details) before it is logged or shown: the configured provider keys verbatim, URL query strings
// and credentials, `key=`-style parameters, bearer tokens and key-shaped words (sk-…, AIza…,
// ya29.…, JWTs, PEM keys).
// Pure. Linear in the text: every pattern below is a single pass whose quantified parts cannot
// overlap what follows them, and the input is cut to a bounded length first.

/** What a secret is replaced with. */
export const redacted = '[redacted]';

/** Upstream text beyond this many characters is not even read. */
export const maximumInputLength = 8192;
/** Text handed on (to a message, a log line) is at most this long. */
export const maximumScrubbedLength = 500;
/** Known secrets shorter than this are not searched for verbatim (they would blank ordinary words). */
export const shortestKnownSecret = 6;

/**
 * Words that are secrets by their shape. Each starts at a boundary (not inside a longer word) with a
 * fixed prefix, then takes the rest of the word: nothing after the quantifier, so no backtracking.
 */
const secretShapes =
  /(?<![A-Za-z0-9])(?:sk-|sk_|rk-|pk-|AIza|ya29\.|ghp_|gho_|github_pat_|xox[abprs]-|eyJ)[A-Za-z0-9_\-.~+/=]{6,}/g;

/** `key=…`, `api_key: …` and the like, in a query string, a form, a header dump or prose. */
const secretParameters =
  /(?<![A-Za-z0-9_-])(api[_-]?key|x-goog-api-key|key|access[_-]?token|refresh[_-]?token|id[_-]?token|token|sig|signature|secret|client[_-]?secret|password|passwd|assertion)(["']?\s?[=:]\s?["']?)[^\s&"'<>,;)}\]]+/gi;

/** `Bearer <token>` / `Basic <credentials>` (an Authorization header echoed back). */
const authorizationValues = /\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** `scheme://user:password@host`: the credentials part of a URL (a database or proxy URL). */
const urlCredentials = /(:\/\/)[^\s/@"'<>]+@/g;

/** A PEM private key, from its BEGIN line to its END line (or to the end of the text). */
const pemBegin = '-----BEGIN';
const pemEndPattern = /-----END [A-Z ]*-----/;

/** Maximal runs of characters that can belong to a URL; each character is read once. */
const urlLikeWords = /[^\s"'<>`()[\]{}|\\^]+/g;

function replaceAll(text: string, secret: string): string {
  return text.includes(secret) ? text.split(secret).join(redacted) : text;
}

/** A URL or path keeps its host and path; everything from `?` on is dropped. */
function withoutQueryStrings(text: string): string {
  return text.replace(urlLikeWords, (word) => {
    const question = word.indexOf('?');
    if (question === -1) return word;
    const looksLikeUrl = word.includes('://') || word.startsWith('/') || word.slice(question).includes('=');
    return looksLikeUrl ? `${word.slice(0, question)}?${redacted}` : word;
  });
}

function withoutPrivateKeys(text: string): string {
  let result = text;
  for (let start = result.indexOf(pemBegin); start !== -1; start = result.indexOf(pemBegin, start + 1)) {
    const rest = result.slice(start);
    const end = pemEndPattern.exec(rest);
    const stop = end ? start + end.index + end[0].length : result.length;
    result = `${result.slice(0, start)}${redacted}${result.slice(stop)}`;
  }
  return result;
}

/** Cuts text to at most `length` characters, marking the cut. */
export function truncate(text: string, length = maximumScrubbedLength): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/**
 * The text with every known secret (and its URL-encoded form) and every secret-shaped word
 * replaced by `[redacted]`, cut to `maximumLength` characters.
 */
export function scrubSecrets(
  text: string,
  knownSecrets: Iterable<string> = [],
  maximumLength = maximumScrubbedLength,
): string {
  let result = text.length > maximumInputLength ? text.slice(0, maximumInputLength) : text;
  for (const secret of knownSecrets) {
    if (secret.length < shortestKnownSecret) continue;
    result = replaceAll(result, secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) result = replaceAll(result, encoded);
  }
  result = withoutPrivateKeys(result);
  result = withoutQueryStrings(result);
  result = result.replace(urlCredentials, `$1${redacted}@`);
  result = result.replace(secretParameters, (_match, name: string, separator: string) => {
    return `${name}${separator}${redacted}`;
  });
  result = result.replace(authorizationValues, (_match, scheme: string, space: string) => {
    return `${scheme}${space}${redacted}`;
  });
  result = result.replace(secretShapes, redacted);
  return truncate(result, maximumLength);
}

/** Scrubs every string inside a JSON value (Gemini `details`), bounded in depth and breadth. */
export function scrubSecretsDeep(value: unknown, knownSecrets: Iterable<string> = [], depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value, knownSecrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return undefined;
  if (Array.isArray(value)) {
    return value.slice(0, 20).map((item) => scrubSecretsDeep(item, knownSecrets, depth + 1));
  }
  const result: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value).slice(0, 20)) {
    result[scrubSecrets(name, knownSecrets)] = scrubSecretsDeep(item, knownSecrets, depth + 1);
  }
  return result;
}
