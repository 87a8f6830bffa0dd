// Writes a config file into a fresh temporary directory and returns its path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeConfig(text: string, fileName = 'imagegate.yaml'): string {
  const directory = mkdtempSync(join(tmpdir(), 'imagegate-config-'));
  const path = join(directory, fileName);
  writeFileSync(path, text);
  return path;
}

/** The message of the error `action` throws (fails the test when it does not throw). */
export function errorMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}
