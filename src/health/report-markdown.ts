// `imagegate report`: the status document as a dated markdown summary. Pure.
import { modelSentence, routeLabel, type StatusDocument } from './status-model.js';

function percent(rate: number | null): string {
  return rate === null ? 'no live traffic' : `${Math.round(rate * 1000) / 10}% success`;
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
