// The Vertex provider against a recorded fixture: one loopback upstream plays both the OAuth token
// endpoint and Vertex AI, and the test checks the token exchange, the project/location path, the
// bearer token on the model call (no API key anywhere) and the parsed answer.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVertexProvider } from '../../../src/providers/vertex/index.js';
import { summarizeAnswer } from '../../helpers/answer-summary.js';
import {
  type RecordingUpstream,
  readFixture,
  startRecordingUpstream,
} from '../../helpers/recording-upstream.js';
import type { WireCase } from '../../helpers/wire-case.js';

interface VertexCase extends WireCase {
  tokenAnswer: { access_token: string; expires_in: number; token_type: string };
}

const clientEmail = 'imagegate-fixtures@imagegate-fixtures.iam.gserviceaccount.com';

function writeServiceAccount(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const path = join(mkdtempSync(join(tmpdir(), 'imagegate-vertex-fixture-')), 'account.json');
  writeFileSync(
    path,
    JSON.stringify({
      type: 'service_account',
      project_id: 'imagegate-fixtures',
      client_email: clientEmail,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    }),
  );
  return path;
}

let upstream: RecordingUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

describe('Vertex provider, a unary answer from a recorded fixture', () => {
  it('exchanges a signed JWT for a token, then calls the project path with it as a bearer token', async () => {
    const wireCase = readFixture<VertexCase>('vertex-generate.json');
    upstream = await startRecordingUpstream((request) =>
      request.path === '/token'
        ? {
            status: 200,
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body: Buffer.from(JSON.stringify(wireCase.tokenAnswer)),
          }
        : { ...wireCase.answer, body: Buffer.from(`${JSON.stringify(wireCase.answer.body, null, 2)}\n`) },
    );
    const tokenUrl = `${upstream.url}/token`;

    const result = await createVertexProvider().generate(wireCase.request, {
      channelName: 'vertex',
      baseUrl: upstream.url,
      upstreamModel: wireCase.model,
      options: {
        vertex: {
          project: 'imagegate-fixtures',
          location: 'us-central1',
          credentialsFile: writeServiceAccount(),
          tokenUrl,
        },
      },
      signal: AbortSignal.timeout(10_000),
    });

    expect(upstream.requests.map((request) => request.path)).toEqual([
      '/token',
      wireCase.expectedRequest.path,
    ]);
    const [tokenRequest, modelRequest] = upstream.requests;
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(tokenRequest.body.toString('utf8'));
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims] = (form.get('assertion') ?? '')
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toMatchObject({
      iss: clientEmail,
      aud: tokenUrl,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });

    expect(modelRequest.method).toBe(wireCase.expectedRequest.method);
    expect(modelRequest.headers.authorization).toBe(`Bearer ${wireCase.tokenAnswer.access_token}`);
    expect(modelRequest.headers['x-goog-api-key']).toBeUndefined();
    expect(modelRequest.path).not.toContain('key=');
    expect(modelRequest.path).not.toContain(wireCase.tokenAnswer.access_token);
    expect(JSON.parse(modelRequest.body.toString('utf8'))).toEqual(wireCase.expectedRequest.body);

    expect(result.response).toEqual(wireCase.answer.body);
    expect(summarizeAnswer(result.response)).toEqual(wireCase.expected);
  });
});
