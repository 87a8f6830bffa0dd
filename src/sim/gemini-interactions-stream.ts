// The Interactions SSE stream: `event: <event_type>` / `data: <json>` frames from interaction.created
// through each step's start, deltas (text, then the whole image in one delta) and stop, to
// interaction.completed (usage, no steps), then `event: done` / `data: [DONE]`.

import type { ServerResponse } from 'node:http';
import type { ActiveFaults } from './faults.js';
import { googleHeaders } from './gemini-send.js';
import { writeChunk } from './http-io.js';

type WireObject = Record<string, unknown>;

export const doneFrame = 'event: done\ndata: [DONE]\n\n';

/** The lifecycle events carry a partial interaction: no steps (the deltas carry them), no echoes. */
function lifecycle(interaction: WireObject, status: string, withUsage: boolean): WireObject {
  const { id, model, created, updated, usage } = interaction;
  return { id, object: 'interaction', model, status, created, updated, ...(withUsage ? { usage } : {}) };
}

function stepEvents(step: WireObject, index: number): WireObject[] {
  if (step.type === 'thought') {
    const deltas =
      typeof step.signature === 'string' ? [{ type: 'thought_signature', signature: step.signature }] : [];
    return [
      { event_type: 'step.start', index, step: { type: 'thought' } },
      ...deltas.map((delta) => ({ event_type: 'step.delta', index, delta })),
      { event_type: 'step.stop', index },
    ];
  }
  const content = Array.isArray(step.content) ? (step.content as WireObject[]) : [];
  return [
    { event_type: 'step.start', index, step: { type: step.type } },
    ...content.map((delta) => ({ event_type: 'step.delta', index, delta })),
    { event_type: 'step.stop', index },
  ];
}

/** Every event of a stored or fresh interaction, each with an `event_id` a resumed GET can name. */
export function interactionEvents(interaction: WireObject): WireObject[] {
  const steps = Array.isArray(interaction.steps) ? (interaction.steps as WireObject[]) : [];
  const events = [
    { event_type: 'interaction.created', interaction: lifecycle(interaction, 'in_progress', false) },
    ...steps.flatMap((step, index) => stepEvents(step, index)),
    {
      event_type: 'interaction.completed',
      interaction: lifecycle(interaction, String(interaction.status), true),
    },
  ];
  return events.map((event, index) => ({ ...event, event_id: `${String(interaction.id)}.${index}` }));
}

export function frame(event: WireObject): string {
  return `event: ${String(event.event_type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function openStream(response: ServerResponse): void {
  response.writeHead(200, {
    ...googleHeaders,
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
  });
}

/** Writes the events and the `[DONE]` frame, or cuts them as the truncated-stream fault says. */
export async function writeEvents(
  response: ServerResponse,
  events: readonly WireObject[],
  faults: ActiveFaults,
): Promise<void> {
  const frames = [...events.map(frame), doneFrame];
  if (faults.has('truncated-stream')) {
    const [first = '', second = ''] = frames;
    await writeChunk(response, first);
    await writeChunk(response, second.slice(0, Math.floor(second.length / 2)));
    response.end();
    return;
  }
  for (const chunk of frames) {
    if (response.destroyed) return;
    await writeChunk(response, chunk);
  }
  response.end();
}
