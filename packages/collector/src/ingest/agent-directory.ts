// Enrolled agents as the ingest path needs them: the record and the imported node:crypto key,
// cached per agent (importing a key costs ~3 verifications). Entries are re-read from the store after
// `ttlMs` so a revocation made by another collector takes effect; unknown ids are remembered briefly
// so a flood of batches with invented ids does not become a flood of store queries.
import type { KeyObject } from 'node:crypto';
import { ed25519KeyObject } from '../identity.js';
import type { AgentRecord, Store } from '../storage/types.js';

export interface KnownAgent {
  readonly record: AgentRecord;
  readonly key: KeyObject;
}

interface Entry {
  agent: KnownAgent | null; // null = not enrolled
  fetchedAtMs: number;
}

export interface AgentDirectoryOptions {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

export const DEFAULT_AGENT_DIRECTORY: AgentDirectoryOptions = { ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100_000 };

export class AgentDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<KnownAgent | null>>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly opts: AgentDirectoryOptions = DEFAULT_AGENT_DIRECTORY,
  ) {}

  /** The agent, or null when no agent has this id. Throws when the store fails and nothing is cached. */
  async get(agentId: string): Promise<KnownAgent | null> {
    const e = this.entries.get(agentId);
    const now = this.now();
    if (e !== undefined && now - e.fetchedAtMs < (e.agent === null ? this.opts.negativeTtlMs : this.opts.ttlMs)) {
      return e.agent;
    }
    let p = this.loading.get(agentId);
    if (p === undefined) {
      p = this.load(agentId, e).finally(() => this.loading.delete(agentId));
      this.loading.set(agentId, p);
    }
    return p;
  }

  /** Records a change made through this collector (enrolment, revocation) at once. */
  put(record: AgentRecord): KnownAgent {
    const old = this.entries.get(record.agent_id)?.agent;
    const key = old !== null && old !== undefined && old.record.public_key === record.public_key
      ? old.key
      : ed25519KeyObject(Buffer.from(record.public_key, 'hex'));
    const agent: KnownAgent = { record, key };
    this.remember(record.agent_id, { agent, fetchedAtMs: this.now() });
    return agent;
  }

  private async load(agentId: string, stale: Entry | undefined): Promise<KnownAgent | null> {
    let record: AgentRecord | null;
    try {
      record = await this.store.getAgent(agentId);
    } catch (err) {
      // Keep serving a known agent from cache while the store is away; a revocation waits for it.
      if (stale !== undefined && stale.agent !== null) return stale.agent;
      throw err;
    }
    if (record === null) {
      this.remember(agentId, { agent: null, fetchedAtMs: this.now() });
      return null;
    }
    return this.put(record);
  }

  private remember(agentId: string, entry: Entry): void {
    if (this.entries.size >= this.opts.maxEntries && !this.entries.has(agentId)) {
      // Forget unknown ids first; if that is not enough, start over (the store still has everything).
      for (const [id, e] of this.entries) if (e.agent === null) this.entries.delete(id);
      if (this.entries.size >= this.opts.maxEntries) this.entries.clear();
    }
    this.entries.set(agentId, entry);
  }
}
