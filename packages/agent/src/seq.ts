// The batch sequence number: strictly increasing per agent from 1, persisted durably BEFORE a
// number is used, so that no number is handed out twice, even across a crash. Gaps are allowed
// (a number reserved and then not used is simply skipped).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KtoError } from '@kto/core';
import { writeFileDurably } from './durable-file.js';

export const SEQ_FILE = 'seq';

export class SeqStore {
  readonly #path: string;
  #last: number;
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(path: string, last: number) {
    this.#path = path;
    this.#last = last;
  }

  /** Reads `<stateDir>/seq` (absent: nothing used yet). */
  static async open(stateDir: string): Promise<SeqStore> {
    const path = join(stateDir, SEQ_FILE);
    return new SeqStore(path, await readSeqFile(path));
  }

  /** The last number handed out (0 = none). */
  get last(): number {
    return this.#last;
  }

  /** The next number, after it is on disk. Calls are serialized. */
  next(): Promise<number> {
    return this.#serial(async () => {
      const n = this.#last + 1;
      await this.#persist(n);
      this.#last = n;
      return n;
    });
  }

  /** Moves the counter up to at least `n` (after a restore from backup, or from the spool's content). */
  ensureAtLeast(n: number): Promise<void> {
    return this.#serial(async () => {
      if (n <= this.#last) return;
      await this.#persist(n);
      this.#last = n;
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async #persist(n: number): Promise<void> {
    try {
      await writeFileDurably(this.#path, `${n}\n`, { mode: 0o600 });
    } catch (err) {
      throw new KtoError('KTO_ERR_AGENT_STATE_IO', `cannot persist the sequence number to ${this.#path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

/** The last used sequence number stored at `path`, 0 when the file does not exist. */
export async function readSeqFile(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new KtoError('KTO_ERR_AGENT_STATE_IO', `cannot read ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t))) {
    // Guessing here could reuse a number: refuse, and say what to do.
    throw new KtoError('KTO_ERR_AGENT_STATE_CORRUPT', `${path} does not hold a sequence number (${JSON.stringify(t.slice(0, 40))}); write the last used seq into it (a number above any the collector has seen)`);
  }
  return Number(t);
}
