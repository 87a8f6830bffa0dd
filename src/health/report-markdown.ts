// `imagegate report`: the status document as a dated markdown summary. Pure.
import { modelSentence, routeLabel, type StatusDocument } from './status-model.js';

function percent(rate: number | null): string {
  return rate === null ? 'no live traffic' : `${Math.round(rate * 1000) / 10}% success`;
}

/** Each routed model's lifecycle (shutdowns ahead with their days left), then the retired ids. */
function lifecycleLines(document: StatusDocument): string[] {
  if (document.models.length === 0 && document.retiredIds.length === 0) return [];
  const lines = ['## Lifecycle', ''];
  for (const model of document.models) lines.push(`- ${model.id}: ${model.lifecycle.summary}`);
  if (document.retiredIds.length > 0) {
    if (document.models.length > 0) lines.push('');
    lines.push('Retired ids, answered by their successor or refused:', '');
    for (const retired of document.retiredIds) lines.push(`- ${retired.id}: ${retired.lifecycle.summary}`);
  }
  lines.push('');
  return lines;
}

export function statusReportMarkdown(document: StatusDocument): string {
  const date = document.generatedAt.slice(0, 10);
  const lines = [
    `# imagegate status, ${date}`,
    '',
    document.headline,
    '',
    `**Recommendation:** ${document.recommendation}`,
    '',
    ...lifecycleLines(document),
  ];
  for (const model of document.models) {
    lines.push(
      `## ${model.id}: ${model.verdict}`,
      '',
      `${modelSentence(model)}. Advice: ${model.advice}.`,
      '',
    );
    for (const route of model.routes) {
      if (!route.doorAvailable) {
        lines.push(`- ${routeLabel(route)}: not available in this build`);
        continue;
      }
      if (route.gone) {
        lines.push(
          `- ${routeLabel(route)}: **${route.gone.label}**, ${route.gone.summary}; skipped by routing`,
        );
        continue;
      }
      const retest = route.lastRetest
        ? `last retest ${route.lastRetest.outcome} at ${route.lastRetest.at.slice(0, 16).replace('T', ' ')} UTC`
        : 'not retested yet';
      const latency = route.live.p50Ms === null ? '' : `, p50 ${Math.round(route.live.p50Ms)} ms`;
      lines.push(
        `- ${routeLabel(route)}: **${route.verdict}**, ${retest}, ${percent(route.live.successRate)}${latency}, billing ${route.billing.status}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
