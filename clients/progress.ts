/**
 * A hand-rolled progress bar for long sends and receives, drawn on a TTY
 * stream only (never in pipes or logs), redrawn at most every 100 ms.
 * `enabled: false` turns it off (e.g. when messages are printed on the same terminal).
 */
export class Progress {
  private done = 0;
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly total: number | undefined,
    private readonly label: string,
    enabled = true,
  ) {
    this.enabled = enabled && (stream as NodeJS.WriteStream).isTTY === true;
  }

  tick(n = 1): void {
    this.done += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && this.done !== this.total) return;
    this.last = now;
    this.draw(now);
  }

  /** Text of the bar (pure, for tests). */
  static render(done: number, total: number | undefined, label: string, elapsedMs: number, width = 30): string {
    const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
    if (total === undefined || total <= 0) return `${label} ${done} (${rate} msg/s)`;
    const frac = Math.min(1, done / total);
    const filled = Math.round(frac * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.floor(frac * 100)}% (${rate} msg/s)`;
  }

  private draw(now: number): void {
    this.stream.write(`\r${Progress.render(this.done, this.total, this.label, now - this.started)}\u001b[K`);
  }

  /** Final redraw and newline (TTY only). */
  finish(): void {
    if (!this.enabled) return;
    this.draw(Date.now());
    this.stream.write('\n');
  }
}
