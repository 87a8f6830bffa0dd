// The provider secrets this process holds (every channel's API keys, Vertex private keys and access
// tokens), so upstream text can be scrubbed of them verbatim wherever it enters or leaves.
import {
  maximumInputLength,
  redacted,
  scrubSecrets,
  scrubSecretsDeep,
  shortestKnownSecret,
} from './scrub-secrets.js';

const secrets = new Set<string>();
/** Access tokens are minted about hourly for as long as the process runs: only the newest are kept. */
const mintedTokens: string[] = [];
const keptMintedTokens = 8;

/** Adds configured secrets (channel keys, key files); a process holds few, so the set stays small. */
export function rememberSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (value) secrets.add(value);
  }
}

/** Adds a freshly minted access token; the oldest of those past `keptMintedTokens` is forgotten. */
export function rememberMintedToken(token: string): void {
  if (secrets.has(token)) return;
  secrets.add(token);
  mintedTokens.push(token);
  if (mintedTokens.length > keptMintedTokens) secrets.delete(mintedTokens.shift() as string);
}

export function knownSecrets(): ReadonlySet<string> {
  return secrets;
}

/** The text with every secret of this process replaced verbatim (cheap: for every log line). */
export function withoutKnownSecrets(text: string): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= shortestKnownSecret && result.includes(secret))
      result = result.split(secret).join(redacted);
  }
  return result;
}

/**
 * A message on its way to a client, the last line of defence: the gateway's own words are cut only
 * past 8 KiB, but any secret that reached them (through a path not yet scrubbed) is removed.
 */
export function scrubOutgoingText(text: string): string {
  return scrubSecrets(text, secrets, maximumInputLength);
}

export function scrubOutgoingValue(value: unknown): unknown {
  return scrubSecretsDeep(value, secrets);
}
