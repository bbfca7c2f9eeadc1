// Observations → batches: a batch is sealed when it holds maxObservations or is maxAgeMs old; it
// then gets the next seq (on disk before use), is encoded (BatchBody), signed (Ed25519 over the
// body bytes), wrapped (SignedBatch) and written to the spool, and only then handed to the uplink.
import { BatchBody, SignedBatch, type ILocation, type IObservation } from '@kto/proto';
import type { Identity } from './identity.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { SeqStore } from './seq.js';
import type { Spool } from './spool.js';

/** The protocol's limit on an encoded SignedBatch. */
export const MAX_SIGNED_BATCH_BYTES = 8 * 1024 * 1024;
/** Room for the SignedBatch envelope around the body: agent id, 64-byte signature, tags, lengths. */
const ENVELOPE_ROOM = 512;

export interface BatcherOptions {
  readonly agentId: string;
  readonly agentVersion: string;
  readonly location: ILocation;
  readonly maxObservations: number;
  readonly maxAgeMs: number;
  readonly identity: Identity;
  readonly seq: SeqStore;
  readonly spool: Spool;
  readonly log: Logger;
  readonly metrics?: AgentMetrics;
  /** A batch is in the spool: send it. */
  readonly onSealed: (seq: number) => void;
  readonly now?: () => number;
  /** Limit on the encoded SignedBatch (tests); default 8 MiB. */
  readonly maxBatchBytes?: number;
}

export class Batcher {
  readonly #o: BatcherOptions;
  readonly #now: () => number;
  #open: IObservation[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  readonly #onAge = (): void => {
    this.#timer = undefined;
    this.#sealOpen();
  };

  constructor(options: BatcherOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Observations in the batch that is still open. */
  get pending(): number {
    return this.#open.length;
  }

  add(obs: IObservation): void {
    this.#open.push(obs);
    this.#o.metrics?.observations.inc();
    if (this.#open.length >= this.#o.maxObservations) {
      this.#sealOpen();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onAge, this.#o.maxAgeMs);
    }
  }

  /** Seals the open batch (if any) and waits until every sealed batch is in the spool. */
  async flush(): Promise<void> {
    this.#sealOpen();
    await this.#chain;
  }

  #sealOpen(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#open.length === 0) return;
    const observations = this.#open;
    this.#open = [];
    // Seals run one after another, so seq order is spool order.
    this.#chain = this.#chain.then(() => this.#seal(observations)).catch((err: unknown) => {
      this.#o.log.error({ err, code: (err as { code?: string }).code, observations: observations.length },
        'could not seal a batch: its observations are lost');
    });
  }

  async #seal(observations: IObservation[]): Promise<void> {
    const o = this.#o;
    const seq = await o.seq.next();
    const body = BatchBody.encode({
      agentId: o.agentId, seq, createdAtMs: this.#now(), observations, location: o.location, agentVersion: o.agentVersion,
    }).finish();
    const limit = (o.maxBatchBytes ?? MAX_SIGNED_BATCH_BYTES) - ENVELOPE_ROOM;
    if (body.length > limit && observations.length > 1) {
      // Too big for one batch: split in halves (each gets its own seq; this one stays unused).
      const half = Math.ceil(observations.length / 2);
      o.log.debug({ seq, bytes: body.length, observations: observations.length }, 'batch over the size limit: split');
      await this.#seal(observations.slice(0, half));
      await this.#seal(observations.slice(half));
      return;
    }
    const signature = o.identity.sign(body);
    const signed = SignedBatch.encode({ agentId: o.agentId, body, signature }).finish();
    await o.spool.put(seq, signed);
    o.log.debug({ seq, observations: observations.length, bytes: signed.length }, 'batch sealed');
    o.metrics?.batchesSealed.inc();
    o.onSealed(seq);
  }
}
