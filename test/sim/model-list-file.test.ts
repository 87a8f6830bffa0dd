import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModelList, defaultModelList, readModelListFile } from '../../src/sim/index.js';

const directory = mkdtempSync(join(tmpdir(), 'imagegate-sim-models-'));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('upstream-sim --models file', () => {
  it('reads a YAML list with unquoted dates, bare ids and detailed entries', () => {
    const path = file(
      'models.yaml',
      [
        'gemini:',
        '  models:',
        '    - gemini-3.1-flash-image',
        '    - { id: gemini-9-flash-image, family: nano-banana-2 }',
        '  gone: [gemini-3.1-flash-image-preview]',
        'openai:',
        '  models:',
        '    - id: gpt-image-2',
        '      shutdownDate: 2027-06-01',
        '      created: 1776729600',
        '  gone: [gpt-image-1]',
        '',
      ].join('\n'),
    );
    const models = buildModelList(readModelListFile(path));
    expect(models.gemini.map((model) => [model.name, model.family])).toEqual([
      ['gemini-3.1-flash-image', 'nano-banana-2'],
      ['gemini-9-flash-image', 'nano-banana-2'],
    ]);
    expect(models.gone.gemini).toEqual(['gemini-3.1-flash-image-preview']);
    expect(models.openai).toEqual([
      { id: 'gpt-image-2', created: 1776729600, ownedBy: 'system', shutdownDate: '2027-06-01' },
    ]);
    expect(models.gone.openai).toEqual(['gpt-image-1']);
  });

  it('reads JSON, and keeps the default list of a provider the file leaves out', () => {
    const path = file('models.json', JSON.stringify({ openai: { models: ['gpt-image-2.6-flare'] } }));
    const models = buildModelList(readModelListFile(path));
    expect(models.openai.map((model) => model.id)).toEqual(['gpt-image-2.6-flare']);
    expect(models.gemini.map((model) => model.name)).toEqual(defaultModelList.gemini?.models);
  });

  it('lists nothing for a provider whose file entry is an empty list', () => {
    const path = file('empty.yaml', 'openai:\n  models: []\n');
    expect(buildModelList(readModelListFile(path)).openai).toEqual([]);
  });

  it('names the file, the field and the problem when an entry does not check', () => {
    const unknownKey = file(
      'unknown-key.yaml',
      'gemini:\n  models:\n    - { id: gemini-3-pro-image, shutdown: 2027-01-01 }\n',
    );
    expect(() => readModelListFile(unknownKey)).toThrow(
      `${unknownKey}: gemini.models.0: Unrecognized key: "shutdown"`,
    );
    const badDate = file(
      'bad-date.yaml',
      'openai:\n  models:\n    - { id: gpt-image-2, shutdownDate: 2027/06/01 }\n',
    );
    expect(() => readModelListFile(badDate)).toThrow(
      `${badDate}: openai.models.0.shutdownDate: expected a date as YYYY-MM-DD`,
    );
    const badProvider = file('bad-provider.yaml', 'anthropic:\n  models: [x]\n');
    expect(() => readModelListFile(badProvider)).toThrow('Unrecognized key: "anthropic"');
  });

  it('reports a YAML syntax error with its line, and a missing file by path', () => {
    const broken = file('broken.yaml', 'gemini:\n  models: [a, b\n');
    expect(() => readModelListFile(broken)).toThrow(/broken\.yaml: .*line 3/s);
    expect(() => readModelListFile(join(directory, 'absent.yaml'))).toThrow(/absent\.yaml: ENOENT/);
  });
});
