// A retest history as a tiny inline SVG bar chart: one bar per retest, oldest left. Pure.
import { html, type SafeHtml } from './html.js';

export function outcomeColor(outcome: string): string {
  if (outcome === 'pass') return '#1a7f37';
  if (outcome === 'no_image' || outcome === 'semantic_fail') return '#cf222e';
  if (outcome === 'timeout' || outcome === 'error:overloaded' || outcome === 'error:rate_limited')
    return '#bf8700';
  return '#8250df';
}

export function sparkline(history: ReadonlyArray<{ at: string; outcome: string }>): SafeHtml {
  const barWidth = 6;
  const gap = 2;
  const height = 20;
  const width = Math.max(1, history.length) * (barWidth + gap);
  const bars = history.map((entry, index) => {
    const barHeight = entry.outcome === 'pass' ? height : height * 0.55;
    return html`<rect x="${index * (barWidth + gap)}" y="${height - barHeight}" width="${barWidth}" height="${barHeight}" rx="1" fill="${outcomeColor(entry.outcome)}"><title>${entry.at}: ${entry.outcome}</title></rect>`;
  });
  const label = `retest history: ${history.map((entry) => entry.outcome).join(', ') || 'none'}`;
  return html`<svg class="spark" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars}</svg>`;
}
