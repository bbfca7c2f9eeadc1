// The highest seq the collector acknowledged as stored, kept in <stateDir>/last-acked-seq for
// `kto-agent status`. Informational only (never used to skip a batch), so it is written without
// fsync, at most one write at a time, coalescing updates.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ACK_FILE = 'last-acked-seq';

export class AckRecord {
  readonly #path: string;
  #value: number;
  #written: number;
  #writing: Promise<void> | undefined;

  constructor(stateDir: string, initial: number) {
    this.#path = join(stateDir, ACK_FILE);
    this.#value = initial;
    this.#written = initial;
  }

  get value(): number {
    return this.#value;
  }

  note(seq: number): void {
    if (seq <= this.#value) return;
    this.#value = seq;
    if (this.#writing === undefined) this.#writing = this.#drain();
  }

  /** Waits for the pending write, if any. */
  async settle(): Promise<void> {
    await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#written !== this.#value) {
        const v = this.#value;
        const tmp = `${this.#path}.tmp`;
        await writeFile(tmp, `${v}\n`);
        await rename(tmp, this.#path);
        this.#written = v;
      }
    } catch {
      // informational file: a failed write is retried with the next ack
    } finally {
      this.#writing = undefined;
    }
  }
}

export async function readAckRecord(stateDir: string): Promise<number> {
  try {
    const n = Number((await readFile(join(stateDir, ACK_FILE), 'utf8')).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}
