import { describe, expect, it } from 'vitest';
import type { ObservationRow } from '../storage/types.js';
import { MemoryStore } from '../testing/memory-store.js';
import { batchToRows } from './rows.js';
import { RECONCILE_WINDOW_MS, SeqTracker } from './dedupe.js';

const T = Date.UTC(2026, 0, 15, 12);
const HASH = 'ab'.repeat(32);

function rows(agent: string, seq: number, n: number, receivedAtMs: number): ObservationRow[] {
  return batchToRows(Array.from({ length: n }, () => ({ zone: 'example.', qname: 'example.', qtype: 48, sentAtMs: T })),
    { agentId: agent, seq, receivedAtMs, country: '', continent: '', asn: 0 });
}

describe('SeqTracker', () => {
  it('init: recovers batches stored without a ledger row (crash between the two inserts), then loads the max seq', async () => {
    const store = new MemoryStore();
    await store.insertObservations(rows('a', 1, 2, T));
    await store.insertLedger([{ agent_id: 'a', seq: 1, rows: 2, body_sha256: HASH, created_at_ms: T, stored_at_ms: T }]);
    await store.insertObservations(rows('a', 2, 3, T + 1_000)); // crashed before its ledger row
    await store.insertObservations(rows('b', 9, 1, T - RECONCILE_WINDOW_MS - 1)); // older than the window
    const s = new SeqTracker(store);
    expect(await s.init()).toEqual({ reconciled: 1, agents: 1 });
    expect(s.lastStored('a')).toBe(2);
    expect(s.lastStored('b')).toBe(0);
    expect(await store.ledgerGet('a', 2)).toMatchObject({ rows: 3, body_sha256: '' });
  });

  it('classify: new above the max, duplicate/replayed by hash, recovered rows by row count, gaps are new', async () => {
    const store = new MemoryStore();
    await store.insertLedger([
      { agent_id: 'a', seq: 5, rows: 2, body_sha256: HASH, created_at_ms: T, stored_at_ms: T },
      { agent_id: 'a', seq: 7, rows: 3, body_sha256: '', created_at_ms: 0, stored_at_ms: T },
    ]);
    const s = new SeqTracker(store);
    await s.init();
    expect(await s.classify('a', 8, HASH, 1)).toEqual({ kind: 'new' });
    expect((await s.classify('a', 5, HASH, 2)).kind).toBe('duplicate');
    expect((await s.classify('a', 5, 'cd'.repeat(32), 2)).kind).toBe('replayed');
    expect((await s.classify('a', 7, 'cd'.repeat(32), 3)).kind).toBe('duplicate');
    expect((await s.classify('a', 7, 'cd'.repeat(32), 4)).kind).toBe('replayed');
    expect(await s.classify('a', 6, HASH, 1)).toEqual({ kind: 'new' });
    expect(await s.classify('z', 1, HASH, 1)).toEqual({ kind: 'new' });
  });

  it('track: in flight until settled; the max seq moves only when stored', async () => {
    const s = new SeqTracker(new MemoryStore());
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    s.track('a', 3, new Promise<void>((r) => { resolve = r; }));
    s.track('a', 4, new Promise<void>((_, r) => { reject = r; }));
    expect(s.inFlight('a', 3)).toBeDefined();
    resolve();
    reject(new Error('store failed'));
    await s.inFlight('a', 3);
    await s.inFlight('a', 4);
    expect(s.inFlight('a', 3)).toBeUndefined();
    expect(s.inFlight('a', 4)).toBeUndefined();
    expect(s.lastStored('a')).toBe(3);
  });
});
