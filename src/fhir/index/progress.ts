/**
 * A one-line progress bar for long maintenance commands (reindex, the bench generator), on
 * stderr so the figures on stdout stay clean. Redrawn in place on a terminal; in a log (no TTY)
 * it prints a line every ten percent instead.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${rate.toFixed(0)}/s ETA ${eta.toFixed(0)}s`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`${line}\n`);
    }
  }

  /** Ends the line (on a terminal) once the work is done. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
