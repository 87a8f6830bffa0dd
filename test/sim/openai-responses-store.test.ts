import { describe, expect, it } from 'vitest';
import { ResponseStore } from '../../src/sim/openai-responses-store.js';

function stored(owner: string, callId = 'ig_1') {
  const image = { mimeType: 'image/png', data: Buffer.from('png') };
  return { owner, response: { id: 'x' }, conversation: [{ kind: 'image' as const, callId, image }] };
}

describe('upstream-sim Responses store', () => {
  it('shows a response and its image calls only to the key that made it', () => {
    const store = new ResponseStore();
    store.put('resp_a', stored('sk-a'));
    expect(store.get('resp_a', 'sk-a')).toBeDefined();
    expect(store.get('resp_a', 'sk-b')).toBeUndefined();
    expect(store.findImageCall('ig_1', 'sk-a')?.data.toString()).toBe('png');
    expect(store.findImageCall('ig_1', 'sk-b')).toBeUndefined();
    expect(store.delete('resp_a', 'sk-b')).toBe(false);
    expect(store.delete('resp_a', 'sk-a')).toBe(true);
    expect(store.get('resp_a', 'sk-a')).toBeUndefined();
  });

  it('forgets the oldest response once it holds more than its capacity', () => {
    const store = new ResponseStore(2);
    for (const id of ['resp_1', 'resp_2', 'resp_3']) store.put(id, stored('sk'));
    expect(store.get('resp_1', 'sk')).toBeUndefined();
    expect(store.get('resp_2', 'sk')).toBeDefined();
    expect(store.get('resp_3', 'sk')).toBeDefined();
  });
});
