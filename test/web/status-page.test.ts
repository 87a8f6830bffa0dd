import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/web/html.js';
import { renderStatusPage } from '../../src/web/status-page.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const chromiumPath = '/usr/bin/chromium';
let gateway: TestGateway;
let sim: UpstreamSim;

beforeAll(async () => {
  sim = await startUpstreamSim({ port: 0, faults: ['unedited'] });
  gateway = await startTestGateway({
    configYaml: `channels:\n  - name: local\n    provider: local\n    models: [local-image-edit]\n${simChannelYaml('sim-unedited', sim.url, ['gemini-3.1-flash-image'])}retest:\n  enabled: false\n`,
  });
  const service = gateway.running.gateway.retests;
  if (!service) throw new Error('no retest service');
  await service.run({ doors: ['gemini', 'openai-images'] });
  await service.run({ model: 'local-image-edit' });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe('status page', () => {
  it('escapes every interpolated value', () => {
    expect(escapeHtml(`<img src=x onerror="alert('x')">&`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;',
    );
  });

  it('serves the same data as HTML at /status and JSON at /status.json', async () => {
    const json = await (await fetch(`${gateway.url}/status.json`)).json();
    const page = await (await fetch(`${gateway.url}/status`)).text();
    expect(json.headline).toMatch(/^As of \d{4}-\d{2}-\d{2}, the latest retest showed/);
    expect(page).toContain(escapeHtml(json.headline));
    expect(json.recommendation).toBe('use local-image-edit');
    expect(page).not.toContain(gateway.key);
  });

  it('lists a route per retest door, the OpenAI Responses and Gemini Interactions doors included', async () => {
    const json = await (await fetch(`${gateway.url}/status.json`)).json();
    const local = json.models.find((entry: { id: string }) => entry.id === 'local-image-edit');
    expect(local.routes.map((route: { door: string }) => route.door)).toEqual([
      'gemini',
      'openai-images',
      'openai-chat',
      'openai-responses',
      'gemini-interactions',
    ]);
    const responses = local.routes.find((route: { door: string }) => route.door === 'openai-responses');
    expect(responses.lastRetest.outcome).toBe('pass');
    const page = await (await fetch(`${gateway.url}/status`)).text();
    const row =
      /<tr class="route" data-model="local-image-edit" data-channel="local" data-door="openai-responses">[\s\S]*?<\/tr>/.exec(
        page,
      )?.[0];
    expect(row).toContain('local via OpenAI Responses');
    expect(row).toContain('data-outcome="pass"');
    const interactions = local.routes.find((route: { door: string }) => route.door === 'gemini-interactions');
    expect(interactions.lastRetest.outcome).toBe('pass');
    const interactionsRow =
      /<tr class="route" data-model="local-image-edit" data-channel="local" data-door="gemini-interactions">[\s\S]*?<\/tr>/.exec(
        page,
      )?.[0];
    expect(interactionsRow).toContain('local via Gemini Interactions');
    expect(interactionsRow).toContain('data-outcome="pass"');
  });

  it('shows "no model passes" in a warning colour, not the colour of a recommendation', () => {
    const document = {
      generatedAt: new Date(0).toISOString(),
      headline: 'As of 1970-01-01, nothing was retested.',
      liveWindowMinutes: 60,
      models: [],
      retiredIds: [],
    };
    const none = renderStatusPage({
      ...document,
      recommendedModel: null,
      recommendation: 'no model passes its retests right now',
    });
    expect(none).toContain('<p class="recommendation none">');
    const one = renderStatusPage({ ...document, recommendedModel: 'm', recommendation: 'use m' });
    expect(one).toContain('<p class="recommendation">Recommendation: use m</p>');
  });

  it.skipIf(!existsSync(chromiumPath) && process.env.IMAGEGATE_REQUIRE_SERVICES !== '1')(
    'renders a row per model route with loaded thumbnails in a real browser',
    async () => {
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${gateway.url}/status`);
        await expect(page.locator('h1').textContent()).resolves.toBe('imagegate status');
        const rows = page.locator('tr.route');
        expect(await rows.count()).toBeGreaterThanOrEqual(4);
        expect(
          await page.locator('tbody.model[data-model="local-image-edit"] .badge').first().textContent(),
        ).toBe('stable');
        const failing = page.locator(
          'tbody.model[data-model="gemini-3.1-flash-image"] tr.route[data-channel="sim-unedited"][data-door="gemini"] .outcome',
        );
        expect(await failing.textContent()).toBe('semantic_fail');
        await page.waitForFunction(() =>
          [...document.querySelectorAll('img.thumb')].every((image) => (image as HTMLImageElement).complete),
        );
        const widths = await page
          .locator('img.thumb')
          .evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
        expect(widths.length).toBeGreaterThanOrEqual(6);
        expect(widths.every((width) => width > 0)).toBe(true);
        expect(await page.locator('svg.spark').count()).toBe(await rows.count());
        mkdirSync('test-artifacts', { recursive: true });
        await page.screenshot({ path: 'test-artifacts/status.png', fullPage: true });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
