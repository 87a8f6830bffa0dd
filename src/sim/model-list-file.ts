// Reads a --models file (YAML, or JSON, which YAML reads too) into a checked model list spec.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ModelListError, type ModelListSpec, parseModelListSpec } from './model-list.js';

export function readModelListFile(path: string): ModelListSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelListError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ModelListError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseModelListSpec(value, path);
}
