// A Vertex channel's secrets (the service account's private key, the access tokens it mints) never
// appear in an error, and a minted token is scrubbed from upstream text like a configured key.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamErrorFromResponse } from '../../../src/providers/gemini/errors.js';
import {
  readServiceAccount,
  ServiceAccountTokenSource,
} from '../../../src/providers/vertex/service-account-token.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pemBody = pem.split('\n')[1];
// No recognisable shape: it is scrubbed only because the gateway minted it.
const mintedToken = 'minted-opaque-access-token-4242';

function writeFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'imagegate-vertex-')), 'account.json');
  writeFileSync(path, text);
  return path;
}

let tokenEndpoint = '';
const server = createServer((request, response) => {
  response.writeHead(request.url === '/refuse' ? 400 : 200, { 'content-type': 'application/json' });
  response.end(
    request.url === '/refuse'
      ? JSON.stringify({ error: `invalid_grant for key ${pemBody}`, error_description: pem })
      : JSON.stringify({ access_token: mintedToken, expires_in: 3600 }),
  );
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('Vertex service-account secrets', () => {
  it('reports a malformed key file without quoting its private key', () => {
    // A missing comma: JSON.parse's own message would quote the text around it.
    const file = writeFile(`{"client_email": "a@b.iam" "private_key": ${JSON.stringify(pem)}}`);
    expect(() => readServiceAccount(file)).toThrow(/is not valid JSON/);
    try {
      readServiceAccount(file);
    } catch (error) {
      expect((error as Error).message).not.toContain(pemBody.slice(0, 12));
      expect((error as Error).message).not.toContain('PRIVATE KEY');
    }
  });

  it('reports a token endpoint refusal without its words', async () => {
    const account = { client_email: 'a@b.iam', private_key: pem };
    const source = new ServiceAccountTokenSource(account, `${tokenEndpoint}/refuse`);
    await expect(source.token()).rejects.toMatchObject({
      errorClass: 'auth',
      message: expect.not.stringContaining('invalid_grant'),
    });
  });

  it('scrubs a minted access token from upstream text (the private key never goes upstream)', async () => {
    const file = writeFile(JSON.stringify({ client_email: 'a@b.iam', private_key: pem }));
    const source = new ServiceAccountTokenSource(readServiceAccount(file), `${tokenEndpoint}/token`);
    expect(await source.token()).toBe(mintedToken);
    const failure = upstreamErrorFromResponse(
      400,
      JSON.stringify({
        error: {
          code: 400,
          message: `Bad request made with token ${mintedToken}`,
          status: 'INVALID_ARGUMENT',
        },
      }),
      undefined,
      'vertex-main',
    );
    expect(failure.errorClass).toBe('bad_request');
    expect(failure.message).toContain('Bad request made with token');
    expect(failure.message).not.toContain(mintedToken);
  });
});
