// OAuth access tokens for a Google service account: a signed JWT (RS256) exchanged at the token
// endpoint, cached and refreshed a few minutes before it expires.
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as undiciRequest } from 'undici';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { rememberMintedToken, rememberSecrets } from '../../security/known-secrets.js';
import { upstreamAgent } from '../../http/upstream-agent.js';

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
  project_id?: string;
}

const scope = 'https://www.googleapis.com/auth/cloud-platform';
const defaultTokenUri = 'https://oauth2.googleapis.com/token';
const refreshMarginMs = 5 * 60 * 1000;

/**
 * Reads a service-account key file. Its problems are told without its contents (JSON.parse's own
 * message would quote the private key), and its secrets are remembered for scrubbing.
 */
export function readServiceAccount(file: string): ServiceAccount {
  const notAKey = (reason: string) =>
    errorCatalogue.UPSTREAM_AUTH(`The Vertex service-account file ${file} ${reason}.`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw notAKey(`cannot be read (${(error as { code?: string }).code ?? 'error'})`);
  }
  let parsed: Partial<ServiceAccount>;
  try {
    parsed = JSON.parse(text) as Partial<ServiceAccount>;
  } catch {
    throw notAKey('is not valid JSON');
  }
  if (!parsed || typeof parsed.client_email !== 'string' || typeof parsed.private_key !== 'string') {
    throw notAKey('is not a service-account key (client_email and private_key are required)');
  }
  rememberSecrets([parsed.private_key, parsed.private_key_id]);
  return parsed as ServiceAccount;
}

/** The signed assertion of RFC 7523 (JWT bearer grant). Pure apart from the signature. */
export function signServiceAccountJwt(account: ServiceAccount, audience: string, nowSeconds: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({
    alg: 'RS256',
    typ: 'JWT',
    ...(account.private_key_id ? { kid: account.private_key_id } : {}),
  });
  const claims = encode({
    iss: account.client_email,
    scope,
    aud: audience,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  });
  const signature = createSign('RSA-SHA256')
    .update(`${header}.${claims}`)
    .sign(account.private_key)
    .toString('base64url');
  return `${header}.${claims}.${signature}`;
}

export class ServiceAccountTokenSource {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly account: ServiceAccount,
    private readonly tokenUrl = account.token_uri ?? defaultTokenUri,
    private readonly now: () => number = Date.now,
  ) {}

  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresAt - refreshMarginMs > this.now()) return this.cached.token;
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const assertion = signServiceAccountJwt(this.account, this.tokenUrl, Math.floor(this.now() / 1000));
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    });
    let answer: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      answer = await undiciRequest(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        dispatcher: upstreamAgent,
        signal,
      });
    } catch (error) {
      throw errorCatalogue.UPSTREAM_UNREACHABLE(
        `Could not reach the OAuth token endpoint for ${this.account.client_email}.`,
        error,
      );
    }
    const text = await answer.body.text();
    const parsed = (() => {
      try {
        return JSON.parse(text) as { access_token?: string; expires_in?: number; error?: string };
      } catch {
        return {} as { access_token?: string; expires_in?: number; error?: string };
      }
    })();
    if (answer.statusCode >= 300 || typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      // The endpoint's own words (`error`) stay out: they are upstream text, and the status says enough.
      throw errorCatalogue.UPSTREAM_AUTH(
        `The OAuth token endpoint refused service account ${this.account.client_email} (HTTP ${answer.statusCode}).`,
      );
    }
    rememberMintedToken(parsed.access_token);
    this.cached = { token: parsed.access_token, expiresAt: this.now() + (parsed.expires_in ?? 3600) * 1000 };
    return parsed.access_token;
  }
}
