import { execFile } from 'node:child_process';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { createClientKey } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const run = promisify(execFile);
let vertexSim: UpstreamSim;
let failingSim: UpstreamSim;
let tokenServer: Server;
let tokenCalls = 0;
let gateway: TestGateway;
let configPath: string;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A local OAuth token endpoint that checks the service account's signed JWT like Google does. */
function startTokenEndpoint(): Promise<string> {
  tokenServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
      const valid =
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
        createVerify('RSA-SHA256')
          .update(`${header}.${claims}`)
          .verify(publicKey, Buffer.from(signature ?? '', 'base64url'));
      const payload = valid ? JSON.parse(Buffer.from(claims, 'base64url').toString()) : {};
      if (!valid || payload.iss !== 'imagegate-test@example.iam.gserviceaccount.com') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      tokenCalls += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ access_token: 'vertex-access-token', expires_in: 3600, token_type: 'Bearer' }),
      );
    });
  });
  return new Promise((resolve) =>
    tokenServer.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`),
    ),
  );
}

beforeAll(async () => {
  vertexSim = await startUpstreamSim({ apiKey: 'vertex-access-token' });
  failingSim = await startUpstreamSim({ faults: ['503'] });
  const tokenUrl = await startTokenEndpoint();
  const credentialsFile = join(mkdtempSync(join(tmpdir(), 'imagegate-vertex-')), 'service-account.json');
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      type: 'service_account',
      client_email: 'imagegate-test@example.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: tokenUrl,
    }),
  );
  // gemini-2.5-flash-image is shut down upstream; kept alive here as the catalog's controlled model.
  const yaml = `models:
  - { id: gemini-2.5-flash-image, shutdown: null }
channels:
  - name: vertex-sim
    provider: vertex
    baseUrl: ${vertexSim.url}
    models: [gemini-3-pro-image]
    vertex: { project: demo-project, location: us-central1, credentialsFile: ${credentialsFile} }
  - name: failing-sim
    provider: gemini-compatible
    baseUrl: ${failingSim.url}
    apiKeys: ["failing-key"]
    models: [gemini-3.1-flash-image]
`;
  gateway = await startTestGateway({ configYaml: yaml });
  configPath = join(gateway.dataDir, 'imagegate.yaml');
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([vertexSim.close(), failingSim.close()]);
  tokenServer.close();
});

async function generate(model: string, key = gateway.key) {
  return fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify({ contents: [{ parts: [{ text: 'a red circle on a white background' }] }] }),
  });
}

describe('vertex provider', () => {
  it('signs a JWT, exchanges it for an OAuth token once, and calls the Vertex path with it', async () => {
    for (let index = 0; index < 2; index += 1)
      expect((await generate('gemini-3-pro-image')).status).toBe(200);
    expect(tokenCalls).toBe(1);
    const calls = vertexSim.received.filter((request) => request.path.endsWith(':generateContent'));
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/projects/demo-project/locations/us-central1/publishers/google/models/gemini-3-pro-image:generateContent',
      '/v1/projects/demo-project/locations/us-central1/publishers/google/models/gemini-3-pro-image:generateContent',
    ]);
    expect(calls[0].headers.authorization).toBe('Bearer vertex-access-token');
  });
});

describe('model access', () => {
  it('refuses a controlled model to a key without the opt-in, naming the stable model to use', async () => {
    const { key } = await createClientKey(gateway.running.gateway.database.db, { name: 'no-opt-in' });
    const response = await generate('gemini-2.5-flash-image', key);
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error.status).toBe('PERMISSION_DENIED');
    expect(body.error.message).toContain('controlled testing');
    expect(body.error.message).toContain('Use "gemini-nano-banana-2.1" instead');
  });
});

describe('channel state for operators', () => {
  it('lists channels with their live circuit and last error class on GET /admin/channels', async () => {
    expect((await generate('gemini-3.1-flash-image')).status).toBe(503);
    const refused = await fetch(`${gateway.url}/admin/channels`, {
      headers: { authorization: `Bearer ${gateway.key}` },
    });
    expect(refused.status).toBe(403);
    const response = await fetch(`${gateway.url}/admin/channels`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('failing-key');
    const { channels } = JSON.parse(text) as {
      channels: Array<{ name: string; models: Array<{ model: string; lastErrorClass: string | null }> }>;
    };
    const failing = channels.find((channel) => channel.name === 'failing-sim');
    expect(failing?.models[0]).toMatchObject({
      model: 'gemini-3.1-flash-image',
      lastErrorClass: 'overloaded',
    });
    expect(channels.map((channel) => channel.name)).toContain('vertex-sim');
  });

  it('shows the recorded state with imagegate channels --json', async () => {
    await gateway.running.gateway.channelStates?.flush();
    const { stdout } = await run(process.execPath, ['bin/imagegate.js', 'channels', '--json'], {
      env: { ...process.env, IMAGEGATE_DATA_DIR: gateway.dataDir, IMAGEGATE_CONFIG: configPath },
    });
    const rows = JSON.parse(stdout) as Array<{
      channel: string;
      model: string;
      lastErrorClass: string | null;
    }>;
    expect(rows.find((row) => row.channel === 'failing-sim')).toMatchObject({
      model: 'gemini-3.1-flash-image',
      lastErrorClass: 'overloaded',
    });
    expect(rows.find((row) => row.channel === 'vertex-sim')?.lastErrorClass).toBeNull();
  });
});
