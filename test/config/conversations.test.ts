import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorMessage, writeConfig } from './helpers.js';

function load(text: string) {
  return loadConfig({ env: {}, argvConfigPath: writeConfig(text) });
}

function failure(text: string): string {
  const path = writeConfig(text);
  return errorMessage(() => loadConfig({ env: {}, argvConfigPath: path })).replaceAll(path, basename(path));
}

describe('the conversations section', () => {
  it('keeps stored turns 30 days and continues at most 50 turns by default', () => {
    expect(loadConfig({ env: {} }).conversations).toEqual({ retentionDays: 30, maxTurns: 50 });
    expect(load('conversations: {}\n').conversations).toEqual({ retentionDays: 30, maxTurns: 50 });
  });

  it('takes the retention and the turn bound from the file', () => {
    expect(load('conversations:\n  retentionDays: 7\n  maxTurns: 8\n').conversations).toEqual({
      retentionDays: 7,
      maxTurns: 8,
    });
  });

  it('refuses a retention of zero days, naming its line', () => {
    expect(failure('conversations:\n  retentionDays: 0\n')).toBe(
      'imagegate.yaml:2:18 conversations.retentionDays: must be greater than 0, got number 0',
    );
  });

  it('refuses a fractional turn bound, a retention past a century and an unknown field', () => {
    expect(failure('conversations:\n  maxTurns: 2.5\n')).toBe(
      'imagegate.yaml:2:13 conversations.maxTurns: expected int, got number 2.5',
    );
    expect(failure('conversations:\n  retentionDays: 36501\n')).toBe(
      'imagegate.yaml:2:18 conversations.retentionDays: must be at most 36500, got number 36501',
    );
    expect(failure('conversations:\n  retentionDay: 3\n')).toContain(
      'conversations.retentionDay: unknown field "retentionDay"',
    );
  });
});
