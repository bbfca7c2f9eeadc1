// The on-disk spool: every sealed batch (SignedBatch bytes) is written here, durably, before it is
// sent, and deleted only when the collector acknowledges it as STORED or DUPLICATE. REJECTED batches
// move to spool/rejected/ with a note of why. The spool is bounded: past maxBytes the OLDEST
// batches are dropped, with a warning naming the seq range and a counter.
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { KtoError } from '@kto/core';
import { writeFileDurably } from './durable-file.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';

export const REJECTED_DIR = 'rejected';
const NAME = /^(\d{16})\.batch$/;

export function batchFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.batch`;
}

export interface SpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  /** Told which batches the bound dropped (the uplink stops waiting for them). */
  readonly onDrop?: (seqs: readonly number[]) => void;
}

export interface SpoolSummary {
  readonly batches: number;
  readonly bytes: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly rejected: number;
}

function spoolError(message: string, cause: unknown): KtoError {
  return new KtoError('KTO_ERR_AGENT_SPOOL_IO', `${message}: ${(cause as Error).message}`, undefined, { cause });
}

export class Spool {
  readonly #o: SpoolOptions;
  readonly #dirHandle: FileHandle;
  /** seq → size in bytes; insertion order is ascending seq order. */
  #index = new Map<number, number>();
  #bytes = 0;
  #maxSeq = 0;

  private constructor(o: SpoolOptions, dirHandle: FileHandle) {
    this.#o = o;
    this.#dirHandle = dirHandle;
  }

  /** Opens (creating) the spool directory, removes half-written temp files, indexes the batches. */
  static async open(o: SpoolOptions): Promise<Spool> {
    let entries: string[];
    let handle: FileHandle;
    try {
      await mkdir(join(o.dir, REJECTED_DIR), { recursive: true, mode: 0o700 });
      handle = await open(o.dir, 'r');
      entries = await readdir(o.dir);
    } catch (err) {
      throw spoolError(`cannot open the spool ${o.dir}`, err);
    }
    const spool = new Spool(o, handle);
    const found: [number, number][] = [];
    for (const name of entries) {
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await unlink(join(o.dir, name)).catch(() => undefined);
        continue;
      }
      const m = NAME.exec(name);
      if (m === null) continue;
      try {
        found.push([Number(m[1]), (await stat(join(o.dir, name))).size]);
      } catch (err) {
        throw spoolError(`cannot stat ${join(o.dir, name)}`, err);
      }
    }
    found.sort((a, b) => a[0] - b[0]);
    for (const [seq, size] of found) spool.#add(seq, size);
    spool.#gauges();
    await spool.#enforceBound();
    return spool;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#index.size;
  }

  /** Highest seq ever put in or found in this spool. */
  get maxSeq(): number {
    return this.#maxSeq;
  }

  has(seq: number): boolean {
    return this.#index.has(seq);
  }

  /** Spooled sequence numbers, ascending. */
  seqs(): IterableIterator<number> {
    return this.#index.keys();
  }

  /** Writes a batch durably (temp file, fsync, rename, directory fsync), then applies the bound. */
  async put(seq: number, bytes: Uint8Array): Promise<void> {
    const path = join(this.#o.dir, batchFileName(seq));
    try {
      await writeFileDurably(path, bytes, { mode: 0o600, skipDirSync: true });
      await this.#dirHandle.sync();
    } catch (err) {
      throw spoolError(`cannot write ${path}`, err);
    }
    if (this.#index.has(seq)) this.#bytes -= this.#index.get(seq)!;
    this.#add(seq, bytes.length);
    this.#gauges();
    await this.#enforceBound();
  }

  /** The batch bytes, or undefined when it is no longer spooled. */
  async read(seq: number): Promise<Uint8Array | undefined> {
    if (!this.#index.has(seq)) return undefined;
    try {
      return await readFile(join(this.#o.dir, batchFileName(seq)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#forget(seq);
        return undefined;
      }
      throw spoolError(`cannot read batch ${seq}`, err);
    }
  }

  /** Deletes an acknowledged batch. */
  async remove(seq: number): Promise<void> {
    if (!this.#forget(seq)) return;
    try {
      await unlink(join(this.#o.dir, batchFileName(seq)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw spoolError(`cannot delete batch ${seq}`, err);
    }
  }

  /** Moves a rejected batch to rejected/, with `<name>.json` saying why. */
  async reject(seq: number, why: { code: string; message: string }): Promise<void> {
    if (!this.#forget(seq)) return;
    const name = batchFileName(seq);
    const rejected = join(this.#o.dir, REJECTED_DIR);
    try {
      await rename(join(this.#o.dir, name), join(rejected, name));
      await writeFile(join(rejected, `${name}.json`), `${JSON.stringify({ seq, code: why.code, message: why.message, at_ms: Date.now() })}\n`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw spoolError(`cannot move batch ${seq} to ${rejected}`, err);
    }
  }

  async close(): Promise<void> {
    await this.#dirHandle.close();
  }

  #add(seq: number, size: number): void {
    if (this.#index.size > 0 && seq < this.#maxSeq && !this.#index.has(seq)) {
      // Out of order (not expected): rebuild the index in ascending order.
      const all = [...this.#index, [seq, size] as [number, number]].sort((a, b) => a[0] - b[0]);
      this.#index = new Map(all);
    } else {
      this.#index.set(seq, size);
    }
    this.#bytes += size;
    if (seq > this.#maxSeq) this.#maxSeq = seq;
  }

  #forget(seq: number): boolean {
    const size = this.#index.get(seq);
    if (size === undefined) return false;
    this.#index.delete(seq);
    this.#bytes -= size;
    this.#gauges();
    return true;
  }

  #gauges(): void {
    this.#o.metrics?.spoolBytes.set(this.#bytes);
    this.#o.metrics?.spoolBatches.set(this.#index.size);
  }

  /** Drops the oldest batches until the spool fits its bound (the newest batch always stays). */
  async #enforceBound(): Promise<void> {
    if (this.#bytes <= this.#o.maxBytes) return;
    const dropped: number[] = [];
    for (const [seq, size] of this.#index) {
      if (this.#bytes <= this.#o.maxBytes || this.#index.size === 1) break;
      this.#index.delete(seq);
      this.#bytes -= size;
      dropped.push(seq);
    }
    if (dropped.length === 0) return;
    this.#gauges();
    for (const seq of dropped) {
      await unlink(join(this.#o.dir, batchFileName(seq))).catch(() => undefined);
    }
    this.#o.metrics?.spoolDropped.inc(dropped.length);
    this.#o.log.warn({
      code: 'KTO_ERR_AGENT_SPOOL_FULL', firstSeq: dropped[0], lastSeq: dropped[dropped.length - 1], count: dropped.length,
      spoolBytes: this.#bytes, maxBytes: this.#o.maxBytes,
    }, `spool over its bound: dropped the ${dropped.length} oldest batches, seq ${dropped[0]}..${dropped[dropped.length - 1]}`);
    this.#o.onDrop?.(dropped);
  }
}

/** What `kto-agent status` shows about a spool directory, without opening it for writing. */
export async function summarizeSpool(dir: string): Promise<SpoolSummary> {
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw spoolError(`cannot read ${dir}`, err);
  }
  let bytes = 0;
  let firstSeq = 0;
  let lastSeq = 0;
  let batches = 0;
  for (const name of names) {
    const m = NAME.exec(name);
    if (m === null) continue;
    const seq = Number(m[1]);
    bytes += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
    batches++;
    if (firstSeq === 0 || seq < firstSeq) firstSeq = seq;
    if (seq > lastSeq) lastSeq = seq;
  }
  let rejected = 0;
  try {
    rejected = (await readdir(join(dir, REJECTED_DIR))).filter((n) => NAME.test(n)).length;
  } catch {
    rejected = 0;
  }
  return { batches, bytes, firstSeq, lastSeq, rejected };
}
