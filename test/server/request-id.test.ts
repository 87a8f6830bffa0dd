import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/server/request-id.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUID version 7 whose first 48 bits are the Unix milliseconds', () => {
    const now = Date.now();
    const id = timeOrderedId(now);
    expect(id).toMatch(uuidV7);
    expect(Number.parseInt(id.replace('-', '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts in the order the ids were made, within one millisecond and across them', () => {
    const ids: string[] = [];
    const start = Date.now() + 60_000; // later than any id made before in this process
    for (let millis = start; millis < start + 5; millis += 1) {
      for (let index = 0; index < 300; index += 1) ids.push(timeOrderedId(millis));
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(uuidV7);
  });

  it('stays in order when more than 4096 ids are made in one millisecond or the clock steps back', () => {
    const now = Date.now() + 120_000;
    const ids = Array.from({ length: 9000 }, () => timeOrderedId(now));
    ids.push(timeOrderedId(now - 5_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
