// `imagegate models sync` (another process, same database) against upstreams whose model lists a test
// sets: one Gemini upstream drops a model the catalog routes and adds a new image model (listed over
// several pages), an OpenAI upstream-sim announces a shutdown. The sync reports all of it and exits 1; the
// serving gateway then routes around the dropped route and shows the model deprecated; a sync that
// finds the model listed again (POST /admin/models/sync) gives the route back.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SyncReport } from '../../src/discovery/sync-report.js';
import { makeRetestImage } from '../../src/health/retest-template.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { editThrough } from '../helpers/edit-doors.js';
import { geminiModelEntry, type ListingUpstream, startListingUpstream } from '../helpers/listing-upstream.js';
import { startTestGateway, type TestGateway } from '../helpers/start-gateway.js';
import { geminiTestModelYaml, openAiTestModelYaml } from '../helpers/test-models.js';

const run = promisify(execFile);
const flash = 'test-flash';
const pro = 'test-pro';
const gpt = 'test-gpt';
const googleKey = 'google-a-secret-key-4711';
let sim: UpstreamSim;
let googleA: ListingUpstream;
let googleB: UpstreamSim;
let openai: UpstreamSim;
let gateway: TestGateway;
let input: Buffer;

function configYaml(): string {
  return `channels:
  - name: google-a
    provider: gemini-compatible
    baseUrl: ${googleA.url}
    apiKeys: ["${googleKey}"]
    models: [${flash}, ${pro}]
    modelMap: { ${flash}: gemini-3.1-flash-image, ${pro}: gemini-3-pro-image }
    priority: 2
  - name: google-b
    provider: gemini-compatible
    baseUrl: ${googleB.url}
    apiKeys: ["google-b-secret-key-4712"]
    models: [${flash}]
    modelMap: { ${flash}: gemini-3.1-flash-image }
    priority: 1
  - name: openai-x
    provider: openai-compatible
    baseUrl: ${openai.url}
    apiKeys: ["openai-x-secret-key-4713"]
    models: [${gpt}]
    modelMap: { ${gpt}: gpt-image-9 }
models:
${geminiTestModelYaml(flash)}${geminiTestModelYaml(pro)}${openAiTestModelYaml(gpt)}retest:
  enabled: false
  verdictReloadSeconds: 1
catalog:
  sync: { enabled: false }
`;
}

function imagegate(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run(process.execPath, ['bin/imagegate.js', ...args], {
    env: {
      ...process.env,
      IMAGEGATE_DATA_DIR: gateway.dataDir,
      IMAGEGATE_CONFIG: join(gateway.dataDir, 'imagegate.yaml'),
      IMAGEGATE_DATABASE_URL: '',
      IMAGEGATE_LOG_LEVEL: 'silent',
    },
  }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout?: string; stderr?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
      code: error.code ?? -1,
    }),
  );
}

beforeAll(async () => {
  sim = await startUpstreamSim();
  // Two models per page: the sync must follow nextPageToken to see the whole list.
  googleA = await startListingUpstream({ forwardTo: sim.url, pageSize: 2 });
  // The sim's own list of today: gemini-3.1-flash-image among the GA ids.
  googleB = await startUpstreamSim();
  openai = await startUpstreamSim({ models: { openai: { models: ['gpt-image-9', 'gpt-5'] } } });
  googleA.geminiModels.push(
    geminiModelEntry('gemini-3.1-flash-image'),
    geminiModelEntry('gemini-3-pro-image'),
    geminiModelEntry('gemini-9-flash', { displayName: 'Gemini 9 Flash' }),
  );
  gateway = await startTestGateway({ configYaml: configYaml() });
  input = await makeRetestImage();
}, 60_000);
afterAll(async () => {
  await gateway.close();
  await Promise.all([googleA.close(), googleB.close(), openai.close(), sim.close()]);
});

const channelOf = (report: SyncReport, name: string) => {
  const channel = report.channels.find((entry) => entry.channel === name);
  if (!channel) throw new Error(`no report for ${name}`);
  return channel;
};

describe('imagegate models sync', () => {
  it('finds every list in step at first and exits 0', async () => {
    const { stdout, code } = await imagegate('models', 'sync', '--json');
    const report = JSON.parse(stdout) as SyncReport;
    expect(report.needsAction).toBe(false);
    expect(report.summary).toMatchObject({ failed: 0, missing: 0, newModels: 0, shutdowns: 0 });
    expect(channelOf(report, 'google-a')).toMatchObject({ status: 'synced', listed: 3 });
    expect(channelOf(report, 'local').status).toBe('not_listable');
    expect(code).toBe(0);
  }, 60_000);

  it('reports a dropped routed model, a new image model and an announced shutdown, and exits 1', async () => {
    googleA.geminiModels.splice(0, googleA.geminiModels.length);
    googleA.geminiModels.push(
      geminiModelEntry('gemini-3-pro-image'),
      geminiModelEntry('gemini-9-flash', { displayName: 'Gemini 9 Flash' }),
      geminiModelEntry('imagen-9.0-generate-001', { supportedGenerationMethods: ['predict'] }),
      geminiModelEntry('gemini-9-flash-image', { displayName: 'Nano Banana 9', version: '9.0' }),
      geminiModelEntry('gemini-9-flash-image-lite', { displayName: 'Nano Banana 9 Lite' }),
    );
    openai.setModels({
      openai: {
        models: [
          { id: 'gpt-image-9', shutdownDate: '2027-01-15' },
          { id: 'gpt-5', shutdownDate: '2027-02-01' },
          'gpt-image-10-flare',
        ],
      },
    });
    const listedBefore = googleA.listRequests.length;
    const { stdout, code } = await imagegate('models', 'sync', '--json');
    const report = JSON.parse(stdout) as SyncReport;
    expect(code).toBe(1);
    expect(report.needsAction).toBe(true);

    const google = channelOf(report, 'google-a');
    expect(google.status).toBe('synced');
    expect(google.listed).toBe(5);
    expect(google.missing).toEqual([{ model: flash, upstreamId: 'gemini-3.1-flash-image', expected: false }]);
    expect(google.newModels.map((entry) => entry.upstreamId)).toEqual([
      'gemini-9-flash-image',
      'gemini-9-flash-image-lite',
    ]);
    // Five models, two per page: three pages, each asking for the next with the token it was given.
    const pages = googleA.listRequests.slice(listedBefore);
    expect(pages.map((page) => page.query.pageToken ?? null)).toEqual([null, 'page-2', 'page-4']);
    expect(pages[0].headers['x-goog-api-key']).toBe(googleKey);
    expect(channelOf(report, 'google-b')).toMatchObject({ status: 'synced', missing: [], newModels: [] });

    const openaiReport = channelOf(report, 'openai-x');
    expect(openaiReport.shutdowns).toEqual([
      {
        model: gpt,
        upstreamId: 'gpt-image-9',
        shutdown: '2027-01-15',
        lifecycle: expect.stringMatching(/^deprecated: shuts down 2027-01-15/),
      },
    ]);
    expect(openaiReport.newModels.map((entry) => entry.upstreamId)).toEqual(['gpt-image-10-flare']);
    expect(report.summary).toMatchObject({ missing: 1, newModels: 3, shutdowns: 1, failed: 0 });
  }, 60_000);

  it('gives each new model an entry an operator can paste under models:', async () => {
    const { stdout } = await imagegate('models', 'sync', '--json');
    const report = JSON.parse(stdout) as SyncReport;
    const entry = channelOf(report, 'google-a').newModels[0];
    expect(entry.yaml).toContain('UNKNOWN');
    expect(entry.yaml).toContain('google-a');
    const [parsed] = parse(`models:\n${entry.yaml}`).models as Array<Record<string, unknown>>;
    expect(parsed).toMatchObject({
      id: 'gemini-9-flash-image',
      family: 'gemini',
      displayName: 'Nano Banana 9',
      version: '9.0',
      status: 'controlled',
      inputTokenLimit: 65536,
    });
    const catalog = gateway.running.gateway.catalog.withOverrides([parsed]);
    expect(catalog.resolve('gemini-9-flash-image')?.status).toBe('controlled');
  }, 60_000);

  it('prints a table and the entries to paste on a terminal', async () => {
    const { stdout, code } = await imagegate('models', 'sync');
    expect(code).toBe(1);
    expect(stdout).toMatch(/google-a\s+synced\s+missing upstream\s+test-flash\s+gemini-3\.1-flash-image/);
    expect(stdout).toMatch(/openai-x\s+synced\s+shutdown announced\s+test-gpt\s+gpt-image-9\s+deprecated/);
    expect(stdout).toMatch(/local\s+not_listable/);
    expect(stdout).toContain('  - id: "gpt-image-10-flare"');
    expect(stdout).not.toContain(googleKey);
  }, 60_000);

  it('makes the serving gateway skip the dropped route: the request fails over', async () => {
    const presence = gateway.running.gateway.routePresence;
    await expect.poll(() => presence.isGone('google-a', flash), { timeout: 10_000 }).toBe(true);
    expect(presence.goneRoutes()).toEqual([
      expect.objectContaining({ channel: 'google-a', modelId: flash, reason: 'not_listed', source: 'sync' }),
    ]);
    const answer = await editThrough(gateway, 'gemini', flash, input, 'sync-skip');
    expect(answer.status).toBe(200);
    expect(answer.channel).toBe('google-b');
    // The other model of the same channel still goes there.
    expect((await editThrough(gateway, 'gemini', pro, input, 'sync-pro')).channel).toBe('google-a');
    const { stdout } = await imagegate('channels', '--json');
    const rows = JSON.parse(stdout) as Array<{ channel: string; model: string; routing: string }>;
    const routingOf = (channel: string, model: string) =>
      rows.find((row) => row.channel === channel && row.model === model)?.routing;
    expect(routingOf('google-a', flash)).toMatch(/^gone upstream: not listed \(sync, since /);
    expect(routingOf('google-a', pro)).toBe('serving');
    // The status page reads the same view.
    const statusText = async () => JSON.stringify(await (await fetch(`${gateway.url}/status.json`)).json());
    await expect.poll(statusText, { timeout: 15_000 }).toContain('retired upstream');
  }, 60_000);

  it('makes the model with an announced shutdown deprecated, dated', () => {
    const { catalog, lifecycle } = gateway.running.gateway;
    const model = catalog.resolve(gpt);
    if (!model) throw new Error('no test model');
    expect(lifecycle.lifecycle(model)).toMatchObject({
      status: 'deprecated',
      shutdown: '2027-01-15',
      announcedUpstream: true,
    });
    expect(gateway.running.gateway.routePresence.announcedShutdowns()).toEqual([
      expect.objectContaining({
        channel: 'openai-x',
        modelId: gpt,
        upstreamId: 'gpt-image-9',
        shutdown: '2027-01-15',
      }),
    ]);
  });

  it('shows the announced shutdown and the dropped route on /status, /status.json and the report', async () => {
    type StatusJson = {
      models: Array<{
        id: string;
        status: string;
        lifecycle: {
          status: string;
          shutdown: string | null;
          daysLeft: number | null;
          shutdownSource: string;
        };
        goneRoutes: Array<{ channel: string; reason: string; label: string }>;
      }>;
    };
    const today = gateway.running.gateway.lifecycle.today();
    const daysLeft = Math.round(
      (Date.parse('2027-01-15T00:00:00Z') - Date.parse(`${today}T00:00:00Z`)) / 86_400_000,
    );
    const status = async () => (await (await fetch(`${gateway.url}/status.json`)).json()) as StatusJson;
    await expect
      .poll(async () => (await status()).models.find((model) => model.id === gpt)?.lifecycle, {
        timeout: 15_000,
      })
      .toMatchObject({ status: 'deprecated', shutdown: '2027-01-15', daysLeft, shutdownSource: 'upstream' });
    const flashEntry = (await status()).models.find((model) => model.id === flash);
    expect(flashEntry?.goneRoutes).toEqual([
      expect.objectContaining({ channel: 'google-a', reason: 'not_listed', label: 'retired upstream' }),
    ]);
    const html = await (await fetch(`${gateway.url}/status`)).text();
    expect(html).toContain('retired upstream');
    expect(html).toContain('2027-01-15');

    const { stdout, code } = await imagegate('report');
    expect(code).toBe(0);
    expect(stdout).toContain(`- ${gpt}: deprecated: shuts down 2027-01-15 (${daysLeft} days left)`);
    expect(stdout).toMatch(/retired upstream|not listed by google-a/);
  }, 60_000);

  it('gives the route back when a sync through the admin API finds the model listed again', async () => {
    googleA.geminiModels.unshift(geminiModelEntry('gemini-3.1-flash-image'));
    const response = await fetch(`${gateway.url}/admin/models/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'google-a' }),
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as SyncReport;
    expect(report.channels.map((channel) => channel.channel)).toEqual(['google-a']);
    expect(channelOf(report, 'google-a').found).toEqual([
      { model: flash, upstreamId: 'gemini-3.1-flash-image', cleared: 'not_listed' },
    ]);
    expect(report.needsAction).toBe(false);
    expect(gateway.running.gateway.routePresence.isGone('google-a', flash)).toBe(false);
    expect((await editThrough(gateway, 'gemini', flash, input, 'sync-back')).channel).toBe('google-a');
  }, 60_000);

  it('refuses an unknown channel: exit 2 on the command line, 400 from the admin API', async () => {
    expect((await imagegate('models', 'sync', '--channel', 'nope')).code).toBe(2);
    const response = await fetch(`${gateway.url}/admin/models/sync?channel=nope`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.adminKey}` },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('unknown channel "nope"');
    const clientKey = await fetch(`${gateway.url}/admin/models/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}` },
    });
    expect(clientKey.status).toBe(403);
  }, 60_000);

  it('shows help with examples', async () => {
    const { stdout, code } = await imagegate('models', 'sync', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('imagegate models sync --json');
  }, 60_000);
});
