// Per-agent sequence state: which batches are stored, so that a re-sent batch is acknowledged as
// DUPLICATE without adding rows and a replay of a sequence number with other content is refused.
// State comes from the ledger (the `batches` table) at start, after crash recovery; afterwards it is
// kept current by this collector. Batches of the same agent and seq in flight at the same time are
// coalesced: the later one waits for the earlier one's rows to be stored (or dropped), then decides.
import type { FastifyBaseLogger } from 'fastify';
import type { BatchLedgerEntry, Store } from '../storage/types.js';

export type SeqVerdict =
  | { kind: 'new' }
  | { kind: 'duplicate'; entry: BatchLedgerEntry }
  | { kind: 'replayed'; entry: BatchLedgerEntry };

/** How far before the newest ledger row crash recovery looks for batches without one. */
export const RECONCILE_WINDOW_MS = 3_600_000;

export class SeqTracker {
  private readonly maxSeq = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store, private readonly logger?: FastifyBaseLogger) {}

  /** Crash recovery, then the highest stored seq of every agent. Call once before ingesting. */
  async init(): Promise<{ reconciled: number; agents: number }> {
    const last = await this.store.ledgerLastStoredAt();
    const reconciled = await this.store.reconcileLedger(Math.max(0, last - RECONCILE_WINDOW_MS));
    if (reconciled > 0) this.logger?.warn({ reconciled }, 'recovered ledger rows of batches stored before a crash');
    const max = await this.store.ledgerMaxSeq();
    this.maxSeq.clear();
    for (const [agent, seq] of max) this.maxSeq.set(agent, seq);
    return { reconciled, agents: max.size };
  }

  /** Highest seq stored for the agent (0 = none). */
  lastStored(agentId: string): number {
    return this.maxSeq.get(agentId) ?? 0;
  }

  /** The store promise of a batch of this agent and seq that is being stored now, if any. */
  inFlight(agentId: string, seq: number): Promise<unknown> | undefined {
    return this.inflight.get(`${agentId}\n${seq}`);
  }

  /**
   * Registers the store promise of a batch (call synchronously after a 'new' verdict and an
   * inFlight() check, so no other batch with the same key can slip in between).
   */
  track(agentId: string, seq: number, stored: Promise<void>): void {
    const key = `${agentId}\n${seq}`;
    const done = stored.then(
      () => {
        if (seq > (this.maxSeq.get(agentId) ?? 0)) this.maxSeq.set(agentId, seq);
      },
      () => undefined,
    ).finally(() => {
      if (this.inflight.get(key) === done) this.inflight.delete(key);
    });
    this.inflight.set(key, done);
  }

  /**
   * Whether a batch is new, a re-send of a stored batch, or a replay of a stored seq with other
   * content. A seq above the highest stored one is new without asking the store; a lower one is
   * looked up in the ledger (it may be a gap filled late). A recovered ledger row (empty hash) is
   * matched on its row count.
   */
  async classify(agentId: string, seq: number, bodySha256: string, rows: number): Promise<SeqVerdict> {
    if (seq > (this.maxSeq.get(agentId) ?? 0)) return { kind: 'new' };
    const entry = await this.store.ledgerGet(agentId, seq);
    if (entry === null) return { kind: 'new' };
    const same = entry.body_sha256 === '' ? entry.rows === rows : entry.body_sha256 === bodySha256;
    return same ? { kind: 'duplicate', entry } : { kind: 'replayed', entry };
  }
}
