// The live progress line on stderr: rewritten in place on a terminal, one line per row otherwise.

export class Progress {
  private lastDraw = 0;
  private readonly live = Boolean(process.stderr.isTTY);

  update(text: string): void {
    if (!this.live) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    process.stderr.write(`\r\x1b[K${text}`);
  }

  line(text: string): void {
    process.stderr.write(this.live ? `\r\x1b[K${text}\n` : `${text}\n`);
  }
}
