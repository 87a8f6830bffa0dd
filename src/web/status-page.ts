// GET /status as server-rendered HTML a person reads at a glance: the dated headline, the
// recommendation, and a row per model route with badge, retest, thumbnails, latency, success rate,
// billing and history. Pure: renders a StatusDocument; status-routes.ts serves it.
import {
  routeLabel,
  type StatusDocument,
  type StatusModel,
  type StatusRoute,
} from '../health/status-model.js';
import type { Verdict } from '../health/verdict.js';
import { html, SafeHtml } from './html.js';
import { sparkline } from './sparkline.js';

const badgeColors: Record<Verdict | 'n/a', string> = {
  stable: '#1a7f37',
  degraded: '#9a6700',
  unhealthy: '#cf222e',
  unknown: '#57606a',
  'n/a': '#8c959f',
};

function badge(verdict: Verdict | 'n/a', label: string = verdict): SafeHtml {
  return html`<span class="badge" style="background:${badgeColors[verdict]}">${label}</span>`;
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function formatMs(value: number | null): string {
  if (value === null) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function formatRate(route: StatusRoute): string {
  if (route.live.successRate === null) return '–';
  return `${Math.round(route.live.successRate * 1000) / 10}% (${route.live.requests})`;
}

function thumb(url: string | null, alt: string): SafeHtml {
  return url
    ? html`<img class="thumb" src="${url}" alt="${alt}" width="48" height="48" loading="lazy">`
    : html`<span class="thumb empty" title="${alt}: none">–</span>`;
}

function routeRow(model: StatusModel, route: StatusRoute): SafeHtml {
  const retest = route.lastRetest;
  const verdict: Verdict | 'n/a' = route.doorAvailable ? route.verdict : 'n/a';
  const billingClass = route.billing.status === 'under review' ? 'warn' : '';
  return html`<tr class="route" data-model="${model.id}" data-channel="${route.channel}" data-door="${route.door}">
  <td class="route-name">${routeLabel(route)}${route.routing === 'serving' ? '' : html`<div class="why demoted">${route.routing}</div>`}</td>
  <td>${badge(verdict, route.doorAvailable ? route.verdict : 'not available')}<div class="why">${route.reasons[0] ?? ''}</div></td>
  <td>${retest ? html`<span class="outcome" data-outcome="${retest.outcome}">${retest.outcome}</span><div class="when">${formatTime(retest.at)} · ${formatMs(retest.latencyMs)}</div>` : '–'}</td>
  <td class="thumbs">${retest ? html`${thumb(retest.inputThumb, 'retest input')}<span class="arrow">→</span>${thumb(retest.outputThumb, 'retest output')}` : '–'}</td>
  <td class="num">${formatMs(route.live.p50Ms)}</td>
  <td class="num">${formatRate(route)}</td>
  <td class="${billingClass}" title="${route.billing.detail ?? ''}">${route.billing.status}</td>
  <td>${sparkline(route.history)}</td>
</tr>`;
}

function modelSection(model: StatusModel): SafeHtml {
  return html`<tbody class="model" data-model="${model.id}">
<tr class="model-row"><th colspan="8">
  <span class="model-id">${model.id}</span> ${badge(model.verdict)}
  <span class="catalog">catalog: ${model.catalogStatus}</span>
  <span class="advice">${model.advice}</span>
</th></tr>
${model.routes.map((route) => routeRow(model, route))}
</tbody>`;
}

// A constant of this module, not data, so it is inserted unescaped.
const styles = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}
.generated{color:#57606a;margin:0 0 16px}
.headline{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;font-size:15px}
.recommendation{margin:12px 0 20px;padding:10px 16px;border-left:4px solid #1a7f37;background:#dafbe1;border-radius:4px;font-weight:600}
.recommendation.none{border-left-color:#9a6700;background:#fff8c5}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px;overflow:hidden}
th,td{padding:8px 10px;text-align:left;vertical-align:middle;border-bottom:1px solid #eaeef2}
thead th{background:#eaeef2;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#57606a}
.model-row th{background:#f6f8fa;font-weight:400;border-top:2px solid #d0d7de}
.model-id{font-weight:700;font-family:ui-monospace,monospace;font-size:14px}
.catalog{color:#57606a;margin-left:8px}.advice{margin-left:12px;font-style:italic}
.badge{display:inline-block;color:#fff;border-radius:12px;padding:1px 9px;font-size:12px;font-weight:600}
.why,.when{color:#57606a;font-size:12px;max-width:260px}
.outcome{font-family:ui-monospace,monospace;font-weight:600}
.outcome[data-outcome=pass]{color:#1a7f37}.outcome:not([data-outcome=pass]){color:#cf222e}
.thumbs{white-space:nowrap}.thumb{width:48px;height:48px;border:1px solid #d0d7de;border-radius:4px;vertical-align:middle;image-rendering:auto}
.thumb.empty{display:inline-block;text-align:center;line-height:48px;color:#8c959f}
.arrow{margin:0 4px;color:#57606a}.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.warn{color:#9a6700;font-weight:600}.route-name{white-space:nowrap}
footer{color:#57606a;font-size:12px;margin-top:16px}
`;

export function renderStatusPage(document: StatusDocument): string {
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>imagegate status</title><style>${new SafeHtml(styles)}</style></head>
<body><main>
<h1>imagegate status</h1>
<p class="generated">Generated ${formatTime(document.generatedAt)} · live traffic over the last ${document.liveWindowMinutes} minutes · <a href="/status.json">status.json</a></p>
<p class="headline">${document.headline}</p>
<p class="recommendation${document.recommendedModel ? '' : ' none'}">Recommendation: ${document.recommendation}</p>
<table>
<thead><tr><th>Route</th><th>Status</th><th>Last retest</th><th>Before → after</th><th>p50</th><th>Success</th><th>Billing</th><th>History</th></tr></thead>
${document.models.length > 0 ? document.models.map(modelSection) : html`<tbody><tr><td colspan="8">No model is routed by the configuration.</td></tr></tbody>`}
</table>
<footer>A retest passes only when the answer is an image whose background turned blue while the square stayed (pixel checks, see docs/health.md).</footer>
</main></body></html>`;
  return page.markup;
}
