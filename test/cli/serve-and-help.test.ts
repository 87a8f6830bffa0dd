// The command line as a user meets it: `--help` lists every command though only the named one is
// loaded, each command's own help, and `serve` on a port that is taken.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function imagegate(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/imagegate.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, IMAGEGATE_LOG_LEVEL: 'silent', ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('imagegate --help', () => {
  it('lists every command', () => {
    const { code, stdout } = imagegate(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'serve',
      'keys',
      'channels',
      'retest',
      'models',
      'report',
      'usage',
      'upstream-sim',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it("shows a command's own help with its examples", () => {
    const { code, stdout } = imagegate(['serve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: imagegate serve \[options\]/);
    expect(stdout).toContain('$ imagegate serve');
  });

  it('names an unknown command and exits 2', () => {
    const { code, stderr } = imagegate(['serv']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'serv'");
  });
});

describe('imagegate serve on a port that is taken', () => {
  it('says so and exits 2', { timeout: 30_000 }, async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    const { port } = occupant.address() as { port: number };
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'imagegate-taken-'));
      const { code, stderr } = imagegate(['serve', '--port', String(port)], { IMAGEGATE_DATA_DIR: dataDir });
      expect(code).toBe(2);
      expect(stderr).toContain(`imagegate: cannot listen on 127.0.0.1:${port} (the address is in use)`);
    } finally {
      occupant.close();
    }
  });
});
