// GET /status as server-rendered HTML a person reads at a glance: the dated headline, the
// recommendation, shutdowns ahead, per model its lifecycle and a row per route with badge, retest,
// thumbnails, latency, success rate, billing and history, then the retired ids. Pure: renders a
// StatusDocument; status-routes.ts serves it.
import { retiredAnswer, type StatusLifecycle } from '../health/status-lifecycle.js';
import {
  routeLabel,
  type StatusDocument,
  type StatusModel,
  type StatusRetiredId,
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

function daysLeftText(days: number): string {
  return days === 1 ? '1 day left' : `${days} days left`;
}

/** Where the model stands in its life, after its status pill: dates, source, successor. */
function lifecycleDetails(lifecycle: StatusLifecycle): SafeHtml[] {
  const parts: SafeHtml[] = [];
  if (lifecycle.status === 'deprecated') {
    parts.push(
      lifecycle.shutdown
        ? html`shuts down ${lifecycle.shutdown}${lifecycle.daysLeft === null ? '' : html` <strong class="days-left">(${daysLeftText(lifecycle.daysLeft)})</strong>`}`
        : html`no shutdown date announced`,
    );
    if (lifecycle.shutdownSource === 'upstream') {
      const channels = lifecycle.announcedBy.join(', ');
      parts.push(
        html`date from ${channels ? html`the model list of ${channels}` : "an upstream's model list"}`,
      );
    }
    if (lifecycle.successor) parts.push(html`successor <code>${lifecycle.successor}</code>`);
  } else if (lifecycle.released) {
    parts.push(html`released ${lifecycle.released}`);
  }
  return parts;
}

function lifecyclePill(status: string): SafeHtml {
  return html`<span class="pill" data-status="${status}">${status}</span>`;
}

function routeRow(model: StatusModel, route: StatusRoute): SafeHtml {
  const retest = route.lastRetest;
  const verdict: Verdict | 'n/a' = route.doorAvailable ? route.verdict : 'n/a';
  const billingClass = route.billing.status === 'under review' ? 'warn' : '';
  const gone = route.doorAvailable ? route.gone : null;
  const status = gone
    ? html`${badge('n/a', gone.label)}<div class="why">skipped by routing</div>`
    : html`${badge(verdict, route.doorAvailable ? route.verdict : 'not available')}<div class="why">${route.reasons[0] ?? ''}</div>`;
  const routing = gone
    ? html`<div class="why gone">${gone.summary}</div>`
    : route.routing === 'serving'
      ? ''
      : html`<div class="why demoted">${route.routing}</div>`;
  return html`<tr class="route${gone ? ' gone' : ''}" data-model="${model.id}" data-channel="${route.channel}" data-door="${route.door}">
  <td class="route-name">${routeLabel(route)}${routing}</td>
  <td>${status}</td>
  <td>${retest ? html`<span class="outcome" data-outcome="${retest.outcome}">${retest.outcome}</span><div class="when">${formatTime(retest.at)} · ${formatMs(retest.latencyMs)}</div>` : '–'}</td>
  <td class="thumbs">${retest ? html`${thumb(retest.inputThumb, 'retest input')}<span class="arrow">→</span>${thumb(retest.outputThumb, 'retest output')}` : '–'}</td>
  <td class="num">${formatMs(route.live.p50Ms)}</td>
  <td class="num">${formatRate(route)}</td>
  <td class="${billingClass}" title="${route.billing.detail ?? ''}">${route.billing.status}</td>
  <td>${sparkline(route.history)}</td>
</tr>`;
}

function modelSection(model: StatusModel): SafeHtml {
  const details = lifecycleDetails(model.lifecycle);
  return html`<tbody class="model" data-model="${model.id}" data-lifecycle="${model.lifecycle.status}">
<tr class="model-row"><th colspan="8">
  <div class="model-head"><span class="model-id">${model.id}</span>
  <span class="label">health</span> ${badge(model.verdict)}
  <span class="label">lifecycle</span> ${lifecyclePill(model.lifecycle.status)}
  ${details.length > 0 ? html`<span class="lifecycle">${details.map((part, index) => (index === 0 ? part : html` · ${part}`))}</span>` : ''}</div>
  <div class="advice">${model.advice}</div>
</th></tr>
${model.routes.map((route) => routeRow(model, route))}
</tbody>`;
}

/** Models whose shutdown is ahead, first to go first: the one thing a reader must act on. */
function shutdownNotice(document: StatusDocument): SafeHtml | '' {
  const ahead = document.models
    .filter((model) => model.lifecycle.status === 'deprecated' && model.lifecycle.shutdown !== null)
    .sort((left, right) => String(left.lifecycle.shutdown).localeCompare(String(right.lifecycle.shutdown)));
  if (ahead.length === 0) return '';
  const items = ahead.map(({ id, lifecycle }) => {
    const target =
      lifecycle.successor ?? (document.recommendedModel !== id ? document.recommendedModel : null);
    return html`<li><code>${id}</code> shuts down ${lifecycle.shutdown}${lifecycle.daysLeft === null ? '' : html` (${daysLeftText(lifecycle.daysLeft)})`}${lifecycle.shutdownSource === 'upstream' ? ', as its upstream announced' : ''}${target ? html`: move to <code>${target}</code>` : ''}</li>`;
  });
  return html`<section class="notice"><strong>Shutdowns ahead</strong><ul>${items}</ul></section>`;
}

function retiredSection(retired: readonly StatusRetiredId[]): SafeHtml | '' {
  if (retired.length === 0) return '';
  const rows = retired.map(
    (entry) =>
      html`<tr data-model="${entry.id}"><td><code>${entry.id}</code></td><td>${entry.lifecycle.shutdown ?? 'retired'}</td><td class="answer${entry.lifecycle.servedBy ? '' : ' refused'}">${retiredAnswer(entry.lifecycle)}</td></tr>`,
  );
  return html`<section class="retired"><h2>Retired ids</h2>
<p class="section-note">Shut down upstream. A request naming one is answered by its successor, or refused naming it, as the <code>catalog.retired</code> policy says; they have no routes of their own.</p>
<table><thead><tr><th>Id</th><th>Shut down</th><th>A request for it today</th></tr></thead><tbody>${rows}</tbody></table></section>`;
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
.model-head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px}.model-id{margin-right:8px}
.label{color:#57606a;font-size:11px;text-transform:uppercase;letter-spacing:.04em;margin-left:6px}
.pill{display:inline-block;border:1px solid currentColor;border-radius:12px;padding:0 8px;font-size:12px;font-weight:600;color:#1a7f37}
.pill[data-status=controlled]{color:#0969da}.pill[data-status=deprecated]{color:#9a6700;background:#fff8c5}
.pill[data-status=disabled],.pill[data-status=retired]{color:#57606a}
.lifecycle{color:#1f2328;margin-left:4px}.days-left{color:#9a6700}
.advice{margin-top:4px;font-style:italic;color:#1f2328}
code{font-family:ui-monospace,monospace;font-size:13px}
.notice{margin:0 0 20px;padding:10px 16px;border-left:4px solid #9a6700;background:#fff8c5;border-radius:4px}
.notice ul{margin:4px 0 0;padding-left:20px}
tr.gone td{color:#57606a}tr.gone .thumb,tr.gone .spark{opacity:.45}.route-name .why.gone{color:#cf222e;white-space:nowrap;max-width:none}
h2{font-size:17px;margin:28px 0 4px}.section-note{color:#57606a;margin:0 0 10px}
.retired table{width:auto;min-width:60%}.answer.refused{color:#cf222e}
.badge{display:inline-block;color:#fff;border-radius:12px;padding:1px 9px;font-size:12px;font-weight:600}
.why,.when{color:#57606a;font-size:12px;max-width:260px}
.outcome{font-family:ui-monospace,monospace;font-weight:600}
.outcome[data-outcome=pass]{color:#1a7f37}.outcome:not([data-outcome=pass]){color:#cf222e}
.thumbs{white-space:nowrap}.thumb{width:48px;height:48px;border:1px solid #d0d7de;border-radius:4px;vertical-align:middle;image-rendering:auto}
.thumb.empty{display:inline-block;text-align:center;line-height:48px;color:#8c959f}
.arrow{margin:0 4px;color:#57606a}.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.warn{color:#9a6700;font-weight:600}.route-name{white-space:nowrap}.route-name .why{white-space:normal}
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
${shutdownNotice(document)}
<table>
<thead><tr><th>Route</th><th>Status</th><th>Last retest</th><th>Before → after</th><th>p50</th><th>Success</th><th>Billing</th><th>History</th></tr></thead>
${document.models.length > 0 ? document.models.map(modelSection) : html`<tbody><tr><td colspan="8">No model is routed by the configuration.</td></tr></tbody>`}
</table>
${retiredSection(document.retiredIds)}
<footer>A retest passes only when the answer is an image whose background turned blue while the square stayed (pixel checks, see docs/health.md).</footer>
</main></body></html>`;
  return page.markup;
}
