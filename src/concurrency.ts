// Bounded concurrency: a counting semaphore and an order-keeping mapLimit, for API requests and file I/O alike.

/**
 * Runs at most `limit` tasks at a time; the rest wait in order: by priority (lower first) when one is given, and in
 * arrival order among equals.
 */
export class Semaphore {
  readonly limit: number;
  #active = 0;
  #waiting: { priority: number; resolve: () => void }[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** How many tasks hold a slot now. */
  get active(): number {
    return this.#active;
  }

  /** Runs `task` once a slot is free (before any waiter of a higher `priority`) and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    await this.#acquire(priority);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(priority: number): Promise<void> {
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // After every waiter of the same or a lower priority: equals keep their arrival order.
      let at = this.#waiting.length;
      while (at > 0 && this.#waiting[at - 1]!.priority > priority) at--;
      this.#waiting.splice(at, 0, { priority, resolve });
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    // Hand the slot straight to the next waiter, so the count never dips and lets a newcomer jump the queue.
    if (next) next.resolve();
    else this.#active--;
  }
}

/** Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const sem = new Semaphore(limit);
  return Promise.all(items.map((item, i) => sem.run(() => fn(item, i))));
}
