// Responses pass-through on real HTTP: relayed ids are kept per channel and key (GET, DELETE,
// previous_response_id go to the channel that made them), and a failing channel rests.
import { describe, expect, it } from 'vitest';
import { clientOf, toolModels, usePassThroughGateway } from '../helpers/pass-through-kit.js';

const kit = usePassThroughGateway();

describe('stored pass-through responses', () => {
  it('GET, previous_response_id and DELETE go to the channel that made the response; another key gets 404', async () => {
    const first = await clientOf(kit.gateway).responses.create({
      model: 'gpt-sim-text',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    const fetched = await clientOf(kit.gateway).responses.retrieve(first.id);
    expect(fetched.id).toBe(first.id);
    expect(fetched.output).toHaveLength(first.output.length);

    const second = await clientOf(kit.gateway).responses.create({
      model: 'gpt-sim-text',
      previous_response_id: first.id,
      input: 'Now make it grayscale',
      tools: [{ type: 'image_generation' }],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(toolModels(kit.primary).at(-1)?.previous_response_id).toBe(first.id);

    const asked = kit.primary.received.length;
    await expect(clientOf(kit.gateway, kit.otherKey).responses.retrieve(first.id)).rejects.toMatchObject({
      status: 404,
    });
    await expect(clientOf(kit.gateway, kit.otherKey).responses.delete(first.id)).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      clientOf(kit.gateway, kit.otherKey).responses.create({
        model: 'gpt-sim-text',
        previous_response_id: first.id,
        input: 'again',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 404, param: 'previous_response_id' });
    expect(kit.primary.received.length).toBe(asked);

    await clientOf(kit.gateway).responses.delete(first.id);
    expect(kit.primary.received.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v1/responses/${first.id}`,
    });
    await expect(clientOf(kit.gateway).responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it('answers 404 for an id the upstream no longer has, and forgets it on DELETE', async () => {
    const made = await clientOf(kit.gateway).responses.create({
      model: 'gpt-sim-text',
      input: 'Draw a red circle',
    });
    kit.primary.reset();
    await expect(clientOf(kit.gateway).responses.retrieve(made.id)).rejects.toMatchObject({ status: 404 });
    await expect(clientOf(kit.gateway).responses.delete(made.id)).rejects.toMatchObject({ status: 404 });
    const rows = await kit.gateway.running.gateway.database.db
      .selectFrom('conversation_turns')
      .select('id')
      .where('id', '=', made.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('refuses to continue a response this kit.gateway answered itself with a text model', async () => {
    const canonical = await clientOf(kit.gateway).responses.create({
      model: 'local-image-edit',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    await expect(
      clientOf(kit.gateway).responses.create({
        model: 'gpt-sim-text',
        previous_response_id: canonical.id,
        input: 'Now make it blue',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
    expect(toolModels(kit.primary)).toHaveLength(0);
  });

  it('refuses to continue a pass-through response with an image model', async () => {
    const relayed = await clientOf(kit.gateway).responses.create({
      model: 'gpt-sim-text',
      input: 'Draw a red circle',
      tools: [{ type: 'image_generation' }],
    });
    await expect(
      clientOf(kit.gateway).responses.create({
        model: 'local-image-edit',
        previous_response_id: relayed.id,
        input: 'Now make it blue',
        tools: [{ type: 'image_generation' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
  });
});

// Last in the file: it leaves the primary channel's circuit open.
describe('a channel that keeps failing', () => {
  it('rests after the circuit threshold, and requests go straight to the next channel', async () => {
    kit.primary.setFaults(['503']);
    const threshold = 5;
    for (let index = 0; index < threshold; index++) {
      const { response } = await clientOf(kit.gateway)
        .responses.create({ model: 'gpt-sim-text', input: 'Say hi' })
        .withResponse();
      expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    }
    expect(toolModels(kit.primary)).toHaveLength(threshold);
    const { response } = await clientOf(kit.gateway)
      .responses.create({ model: 'gpt-sim-text', input: 'Say hi' })
      .withResponse();
    expect(response.headers.get('x-imagegate-channel')).toBe('text-secondary');
    expect(toolModels(kit.primary)).toHaveLength(threshold);
  });
});
