// The provider secrets this process holds (every channel's API keys, Vertex private keys and access
// tokens), so upstream text can be scrubbed of them verbatim wherever it enters or leaves.
import { maximumInputLength, redacted, scrubSecrets, scrubSecretsDeep } from './scrub-secrets.js';

const secrets = new Set<string>();

/** Adds secrets as they are configured or minted; a process holds few, so the set stays small. */
export function rememberSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (value) secrets.add(value);
  }
}

export function knownSecrets(): ReadonlySet<string> {
  return secrets;
}

/** The text with every secret of this process replaced verbatim (cheap: for every log line). */
export function withoutKnownSecrets(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 6 && result.includes(secret)) result = result.split(secret).join(redacted);
  }
  return result;
}

/** Upstream text as it may be logged or shown: no secret of this process, none shaped like one. */
export function scrubUpstreamText(text: string): string {
  return scrubSecrets(text, secrets);
}

/**
 * A message on its way to a client, the last line of defence: the gateway's own words are never cut
 * short, but any secret that reached them (through a path not yet scrubbed) is.
 */
export function scrubOutgoingText(text: string): string {
  return scrubSecrets(text, secrets, maximumInputLength);
}

export function scrubOutgoingValue(value: unknown): unknown {
  return scrubSecretsDeep(value, secrets);
}
