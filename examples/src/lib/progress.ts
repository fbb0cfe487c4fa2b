/** Progress for a training epoch: a live bar on a terminal, plain periodic lines otherwise (CI logs). */
export class Progress {
  private readonly start = performance.now();
  private lastLine = -1;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Reports `done` of `total` samples with the running loss. */
  update(done: number, loss: number): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const fraction = this.total === 0 ? 1 : done / this.total;
    const rate = done / Math.max(elapsed, 1e-9);
    const left = rate > 0 ? (this.total - done) / rate : 0;
    const stats = `${(fraction * 100).toFixed(0).padStart(3)}% ${formatRate(rate)} samples/s loss ${loss.toFixed(4)} ETA ${left.toFixed(1)}s`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}\x1b[K`,
      );
    } else {
      // One line per quarter of the epoch.
      const quarter = Math.floor(fraction * 4);
      if (quarter > this.lastLine && quarter < 4) {
        this.lastLine = quarter;
        if (quarter > 0) this.stream.write(`${this.label} ${stats}\n`);
      }
    }
  }

  /** Clears the live bar. */
  finish(): void {
    if (this.tty) this.stream.write('\r\x1b[K');
  }
}

function formatRate(rate: number): string {
  return rate >= 1000 ? `${(rate / 1000).toFixed(1)}k` : rate.toFixed(0);
}
