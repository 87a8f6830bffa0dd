// The status page, /status.json and `imagegate report` for a gateway whose catalog has retired
// preview ids, a model its upstream's list says shuts down soon, one with a catalog shutdown ahead,
// and a route whose upstream no longer lists the model. Today is pinned through the lifecycle clock.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, todayUtc } from '../../src/catalog/lifecycle.js';
import { ModelLifecycle } from '../../src/catalog/served-model.js';
import type { RoutePresenceView } from '../../src/health/route-presence.js';
import type { StatusDocument } from '../../src/health/status-model.js';
import { startUpstreamSim, type UpstreamSim } from '../../src/sim/index.js';
import { escapeHtml } from '../../src/web/html.js';
import { simChannelYaml, startTestGateway, type TestGateway } from '../helpers/start-gateway.js';

const run = promisify(execFile);
const chromiumPath = '/usr/bin/chromium';
const pinnedNow = Date.parse('2026-12-06T12:00:00Z');
const ga = 'gemini-3.1-flash-image';
const preview = 'gemini-3.1-flash-image-preview';
const pro = 'gemini-3-pro-image';
const older = 'gemini-2.5-flash-image';
/** A catalog shutdown 30 days after the real today, so the report run in another process says 30. */
const olderShutdown = todayUtc(Date.now() + 30 * 86_400_000);

const presence: RoutePresenceView = {
  isGone: (channel, model) => channel === 'sim-backup' && model === ga,
  goneRoutes: () => [
    {
      channel: 'sim-backup',
      modelId: ga,
      upstreamId: ga,
      reason: 'not_listed',
      source: 'sync',
      since: '2026-12-01T08:00:00.000Z',
      detail: 'missing from the channel model list',
    },
  ],
  announcedShutdowns: () => [
    {
      channel: 'sim-main',
      modelId: pro,
      upstreamId: pro,
      shutdown: '2026-12-20',
      seenAt: '2026-12-05T00:00:00Z',
    },
  ],
};

let gateway: TestGateway;
const sims: UpstreamSim[] = [];

function configYaml(main: UpstreamSim, backup: UpstreamSim): string {
  // The lifecycle facts are pinned here so the test reads the same whatever the built-in catalog says.
  return `channels:
  - name: local
    provider: local
    models: [local-image-edit]
${simChannelYaml('sim-main', main.url, [preview, pro, older])}${simChannelYaml('sim-backup', backup.url, [ga])}models:
  - { id: ${ga}, status: stable, recommended: false, shutdown: null, successor: null }
  - { id: ${preview}, status: stable, shutdown: 2026-06-25, successor: ${ga} }
  - { id: ${pro}, status: stable, recommended: true, shutdown: null, successor: null }
  - { id: gemini-3-pro-image-preview, status: stable, shutdown: 2026-06-25, successor: ${pro} }
  - { id: ${older}, status: stable, shutdown: ${olderShutdown}, successor: ${ga} }
retest:
  enabled: false
`;
}

beforeAll(async () => {
  sims.push(await startUpstreamSim({ port: 0 }), await startUpstreamSim({ port: 0 }));
  gateway = await startTestGateway({ configYaml: configYaml(sims[0], sims[1]) });
  const running = gateway.running.gateway;
  const service = running.retests;
  if (!service) throw new Error('no retest service');
  await service.run({ doors: ['gemini'] });
  // Before the first visit: the status copy is computed then.
  running.lifecycle = new ModelLifecycle(
    running.catalog,
    running.lifecycle.policy,
    undefined,
    () => pinnedNow,
  );
  running.routePresence = presence;
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all(sims.map((sim) => sim.close()));
});

async function statusJson(): Promise<StatusDocument> {
  return (await (await fetch(`${gateway.url}/status.json`)).json()) as StatusDocument;
}

function card(document: StatusDocument, id: string) {
  const model = document.models.find((entry) => entry.id === id);
  if (!model) throw new Error(`no card for ${id}`);
  return model;
}

describe('model lifecycles on the status page', () => {
  it('lists retired preview ids apart, each served by its successor, with no card of their own', async () => {
    const document = await statusJson();
    expect(document.models.map((model) => model.id)).not.toContain(preview);
    // The retired Imagen ids the catalog maps onto Gemini models are listed too (docs/gemini-paths.md).
    expect(document.retiredIds).toEqual(
      expect.arrayContaining([
        {
          id: preview,
          displayName: expect.any(String),
          lifecycle: expect.objectContaining({
            status: 'retired',
            shutdown: '2026-06-25',
            servedBy: ga,
            shutdownSource: 'catalog',
            summary: `retired 2026-06-25, served by ${ga}`,
          }),
        },
        expect.objectContaining({ id: 'gemini-3-pro-image-preview' }),
      ]),
    );
    for (const retired of document.retiredIds) expect(retired.lifecycle.servedBy).toBeTruthy();
    // The channel that named the preview id serves its successor, retested under the successor's id.
    expect(card(document, ga).routes.find((route) => route.channel === 'sim-main')?.lastRetest?.outcome).toBe(
      'pass',
    );
  });

  it('shows a shutdown announced upstream with its days left and where it came from', async () => {
    const model = card(await statusJson(), pro);
    expect(model.lifecycle).toEqual({
      status: 'deprecated',
      released: expect.any(String),
      shutdown: '2026-12-20',
      daysLeft: 14,
      shutdownSource: 'upstream',
      announcedBy: ['sim-main'],
      successor: null,
      servedBy: pro,
      summary: 'deprecated: shuts down 2026-12-20 (14 days left), announced in the model list of sim-main',
    });
    const olderLifecycle = card(await statusJson(), older).lifecycle;
    expect(olderLifecycle).toMatchObject({
      status: 'deprecated',
      shutdown: olderShutdown,
      daysLeft: daysBetween('2026-12-06', olderShutdown),
      shutdownSource: 'catalog',
      successor: ga,
    });
  });

  it('marks the route whose upstream stopped listing the model and keeps the model stable on the rest', async () => {
    const model = card(await statusJson(), ga);
    expect(model.goneRoutes).toEqual([
      expect.objectContaining({
        channel: 'sim-backup',
        reason: 'not_listed',
        label: 'retired upstream',
        summary: 'not listed by sim-backup since 2026-12-01',
      }),
    ]);
    const backup = model.routes.find((route) => route.channel === 'sim-backup');
    expect(backup?.lastRetest?.outcome).toBe('pass');
    expect(backup?.verdict).toBe('unhealthy');
    expect(backup?.routing).toBe('skipped: retired upstream (not listed by sim-backup since 2026-12-01)');
    expect(model.verdict).toBe('stable');
  });

  it('recommends the GA model, not the catalog-recommended one whose upstream announced a shutdown', async () => {
    const document = await statusJson();
    expect(card(document, pro).verdict).toBe('stable');
    expect(document.recommendation).toBe(`use ${ga}`);
    expect(document.headline).toMatch(
      new RegExp(
        `^As of \\d{4}-\\d{2}-\\d{2}, the latest retest showed: .+\\. Recommendation: use ${ga}\\.$`,
      ),
    );
    const page = await (await fetch(`${gateway.url}/status`)).text();
    expect(page).toContain(escapeHtml(document.headline));
    expect(page).toContain(`<p class="recommendation">Recommendation: use ${ga}</p>`);
    expect(page).toContain(`<td class="answer">served by ${ga}</td>`);
    expect(page).toContain('date from the model list of sim-main');
  });

  it('prints the lifecycle lines in imagegate report, with the days left to a shutdown', async () => {
    const { stdout } = await run(process.execPath, ['bin/imagegate.js', 'report'], {
      env: {
        ...process.env,
        IMAGEGATE_DATA_DIR: gateway.dataDir,
        IMAGEGATE_CONFIG: join(gateway.dataDir, 'imagegate.yaml'),
        IMAGEGATE_LOG_LEVEL: 'silent',
      },
    });
    expect(stdout).toMatch(
      /^# imagegate status, \d{4}-\d{2}-\d{2}\n\nAs of \d{4}-\d{2}-\d{2}, the latest retest showed: /,
    );
    expect(stdout).toContain('\n## Lifecycle\n');
    expect(stdout).toContain(
      `\n- ${older}: deprecated: shuts down ${olderShutdown} (30 days left); successor ${ga}\n`,
    );
    expect(stdout).toContain(`\n- ${preview}: retired 2026-06-25, served by ${ga}\n`);
    expect(stdout).toContain(`\n- gemini-3-pro-image-preview: retired 2026-06-25, served by ${pro}\n`);
    expect(stdout).toContain(`\n## ${ga}: stable\n`);
  }, 60_000);

  it.skipIf(!existsSync(chromiumPath) && process.env.IMAGEGATE_REQUIRE_SERVICES !== '1')(
    'reads well in a real browser: shutdowns ahead, lifecycle per model, the gone route, retired ids',
    async () => {
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${gateway.url}/status`);
        const notice = page.locator('section.notice li');
        expect(await notice.allTextContents()).toEqual([
          `${pro} shuts down 2026-12-20 (14 days left), as its upstream announced: move to ${ga}`,
          `${older} shuts down ${olderShutdown} (${daysBetween('2026-12-06', olderShutdown)} days left): move to ${ga}`,
        ]);
        expect(await page.locator(`tbody.model[data-model="${pro}"] .pill`).textContent()).toBe('deprecated');
        const gone = page.locator(`tr.route.gone[data-model="${ga}"][data-channel="sim-backup"]`);
        // One row per door, each skipped.
        expect(new Set(await gone.locator('.badge').allTextContents())).toEqual(
          new Set(['retired upstream']),
        );
        expect(await gone.first().locator('.why.gone').textContent()).toBe(
          'not listed by sim-backup since 2026-12-01',
        );
        const retired = page.locator('section.retired tbody tr');
        expect(await retired.first().locator('td').allTextContents()).toEqual([
          preview,
          '2026-06-25',
          `served by ${ga}`,
        ]);
        expect(await page.locator(`tbody.model[data-model="${preview}"]`).count()).toBe(0);
        mkdirSync('test-artifacts', { recursive: true });
        await page.screenshot({ path: 'test-artifacts/status-lifecycle.png', fullPage: true });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
