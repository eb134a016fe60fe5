// A one-line progress indicator on stderr, drawn only when stderr is a terminal (never in pipes or CI logs).

/** Redraws one status line in place; a no-op when stderr is not a TTY. */
export class ProgressLine {
  #enabled: boolean;
  #last = 0;
  #drawn = false;

  constructor(enabled = Boolean(process.stderr.isTTY) && !process.env.CI) {
    this.#enabled = enabled;
  }

  /** Shows `[####....] done/total label`, at most every 50 ms unless forced (the final frame). */
  update(done: number, total: number, label: string, force = false): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && now - this.#last < 50) return;
    this.#last = now;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\r\x1b[2K[${bar}] ${done}/${total} ${label}`);
    this.#drawn = true;
  }

  /** Clears the line so the next output starts clean. */
  done(): void {
    if (this.#enabled && this.#drawn) process.stderr.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
