// A FIFO of work items run with bounded concurrency: the agent's concurrency cap (a counting
// semaphore with its queue in one array). No per-item closures: completion handlers are bound once.

export class WorkQueue<T> {
  readonly #cap: number;
  readonly #run: (item: T) => Promise<void>;
  readonly #onError: (err: unknown) => void;
  #items: (T | undefined)[] = [];
  #head = 0;
  #inFlight = 0;
  #peak = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #done = (): void => {
    this.#inFlight--;
    this.#pump();
    if (this.#inFlight === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  readonly #failed = (err: unknown): void => {
    this.#onError(err);
    this.#done();
  };

  /** `run` should not fail; if it does anyway, `onError` gets the error and the queue goes on. */
  constructor(cap: number, run: (item: T) => Promise<void>, onError: (err: unknown) => void) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`concurrency cap must be a positive integer, got ${cap}`);
    this.#cap = cap;
    this.#run = run;
    this.#onError = onError;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#pump();
  }

  /** Items waiting to start. */
  get queued(): number {
    return this.#items.length - this.#head;
  }

  /** Items started and not finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Highest number in flight at once so far. */
  get peakInFlight(): number {
    return this.#peak;
  }

  /** Drops every item that has not started and returns them. */
  clear(): T[] {
    const dropped = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return dropped;
  }

  /** Resolves once nothing is in flight (queued items keep running meanwhile; clear() first to stop). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.#cap && this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      this.#inFlight++;
      if (this.#inFlight > this.#peak) this.#peak = this.#inFlight;
      let p: Promise<void>;
      try {
        p = this.#run(item);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(this.#done, this.#failed);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
