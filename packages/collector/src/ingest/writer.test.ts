import { isKtoError, KtoError } from '@kto/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveInsert } from '../options.js';
import type { ObservationRow, RunRecord } from '../storage/types.js';
import { RunFolder } from '../runs/fold.js';
import { rebuildZoneRuns } from '../runs/rebuild.js';
import { MemoryStore } from '../testing/memory-store.js';
import { batchToRows } from './rows.js';
import { BatchWriter, type LedgerDraft } from './writer.js';

const NOW = Date.UTC(2026, 0, 15);

function rows(agent: string, seq: number, n: number): ObservationRow[] {
  const obs = Array.from({ length: n }, (_, i) => ({ zone: 'example.', qname: 'example.', qtype: 48, sentAtMs: NOW - i }));
  return batchToRows(obs, { agentId: agent, seq, receivedAtMs: NOW, country: '', continent: '', asn: 0 });
}

function draft(agent: string, seq: number, n: number): LedgerDraft {
  return { agent_id: agent, seq, rows: n, body_sha256: `${seq}`.padStart(64, '0'), created_at_ms: NOW - 1 };
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const w: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(() => { w.state = 'resolved'; }, (e: unknown) => { w.state = 'rejected'; w.error = e; });
  return w;
}

describe('BatchWriter', () => {
  let store: MemoryStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryStore();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const writer = (over: Partial<Parameters<typeof resolveInsert>[0]> = {}): BatchWriter =>
    new BatchWriter(store, resolveInsert({ maxRows: 100, maxDelayMs: 1_000, retryInitialMs: 100, retryMaxMs: 800, ...over }), { now: () => NOW });

  it('flushes by time: nothing before maxDelayMs, one insert of every queued batch at it', async () => {
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 10), draft('a', 1, 10)));
    const b = watch(w.submit(rows('b', 1, 20), draft('b', 1, 20)));
    expect(w.pendingRows).toBe(30);
    await vi.advanceTimersByTimeAsync(999);
    expect(store.calls.insertObservations).toEqual([]);
    expect(a.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(store.calls.insertObservations).toEqual([30]);
    expect(store.calls.insertLedger).toEqual([2]);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(w.pendingRows).toBe(0);
    expect(await store.countObservations()).toBe(30);
    expect((await store.ledgerGet('b', 1))?.stored_at_ms).toBe(NOW);
  });

  it('flushes by size at once when maxRows rows have gathered', async () => {
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 60), draft('a', 1, 60)));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls.insertObservations).toEqual([]);
    const b = watch(w.submit(rows('a', 2, 40), draft('a', 2, 40)));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls.insertObservations).toEqual([100]);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
  });

  it('resolves a batch only after both its rows and its ledger row are stored', async () => {
    store.faults.failLedgerInserts = 2;
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 5), draft('a', 1, 5)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.calls.insertObservations).toEqual([5]); // rows stored ...
    expect(a.state).toBe('pending'); // ... but no ledger row yet: no ack
    await vi.advanceTimersByTimeAsync(100 + 200);
    expect(store.calls.insertLedger).toEqual([1]);
    expect(store.calls.insertObservations).toEqual([5]); // the rows were not inserted twice
    expect(a.state).toBe('resolved');
  });

  it('keeps the rows while the store is unavailable, retries with backoff, then stores exactly once', async () => {
    store.faults.unavailable = true;
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 30), draft('a', 1, 30)));
    const b = watch(w.submit(rows('b', 4, 50), draft('b', 4, 50)));
    await vi.advanceTimersByTimeAsync(1_000); // first attempt
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 800); // five more, backoff capped at 800
    // one failed insert; each retry first asks which rows landed, which fails while the store is down
    expect(store.calls.failedInserts).toBe(1);
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    expect(w.pendingRows).toBe(80);
    // more batches arrive meanwhile; they wait behind the flush in progress
    const c = watch(w.submit(rows('c', 1, 70), draft('c', 1, 70)));
    expect(w.pendingRows).toBe(150);
    store.faults.unavailable = false;
    await vi.advanceTimersByTimeAsync(800);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    // c arrived 800 ms ago: it goes in when it has waited maxDelayMs (1,000 ms), not a full delay later
    await vi.advanceTimersByTimeAsync(199);
    expect(c.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(c.state).toBe('resolved');
    expect(store.calls.insertObservations).toEqual([80, 70]);
    expect(await store.countObservations()).toBe(150);
    expect(await store.countObservations({ agentId: 'b' })).toBe(50);
    expect(await store.ledgerMaxSeq()).toEqual(new Map([['a', 1], ['b', 4], ['c', 1]]));
  });

  it('an insert that fails after it landed (a timeout) is not stored again on retry', async () => {
    store.faults.landThenFail = 1;
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 30), draft('a', 1, 30)));
    const b = watch(w.submit(rows('b', 2, 20), draft('b', 2, 20)));
    await vi.advanceTimersByTimeAsync(1_000); // the insert lands, then reports failure
    expect(store.calls.failedInserts).toBe(1);
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    await vi.advanceTimersByTimeAsync(100); // the retry finds every row stored: only the ledger is written
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(store.calls.insertObservations).toEqual([50]);
    expect(await store.countObservations()).toBe(50);
    expect(await store.ledgerMaxSeq()).toEqual(new Map([['a', 1], ['b', 2]]));
  });

  it('one flush at a time: batches that arrive during a slow insert go into the next one', async () => {
    store.faults.insertDelayMs = 500;
    const w = writer();
    watch(w.submit(rows('a', 1, 100), draft('a', 1, 100)));
    await vi.advanceTimersByTimeAsync(10);
    const b = watch(w.submit(rows('a', 2, 100), draft('a', 2, 100)));
    await vi.advanceTimersByTimeAsync(10);
    expect(store.calls.insertObservations).toEqual([]); // first insert still running, second not started
    await vi.advanceTimersByTimeAsync(480);
    expect(store.calls.insertObservations).toEqual([100]);
    await vi.advanceTimersByTimeAsync(500);
    expect(store.calls.insertObservations).toEqual([100, 100]);
    expect(b.state).toBe('resolved');
  });

  it('a non-transient insert error fails that flush (KTO_ERR_INGEST_STORE_FAILED) and later batches still go in', async () => {
    store.faults.insertError = new KtoError('KTO_ERR_STORE_QUERY', 'rejected by the store');
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('rejected');
    expect(isKtoError(a.error, 'KTO_ERR_INGEST_STORE_FAILED')).toBe(true);
    const b = watch(w.submit(rows('a', 2, 10), draft('a', 2, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.state).toBe('resolved');
    expect(await store.ledgerGet('a', 1)).toBeNull();
    expect(await store.countObservations()).toBe(10);
  });

  it('close() flushes what is pending and refuses new batches', async () => {
    const w = writer();
    const a = watch(w.submit(rows('a', 1, 10), draft('a', 1, 10)));
    await w.close();
    expect(a.state).toBe('resolved');
    expect(store.calls.insertObservations).toEqual([10]);
    await expect(w.submit(rows('a', 2, 1), draft('a', 2, 1))).rejects.toMatchObject({ code: 'KTO_ERR_INGEST_SHUTTING_DOWN' });
  });

  it('close() gives up after shutdownFlushMs when the store stays down (batches not stored -> SHUTTING_DOWN)', async () => {
    store.faults.unavailable = true;
    const w = writer({ shutdownFlushMs: 1_500 });
    const a = watch(w.submit(rows('a', 1, 10), draft('a', 1, 10)));
    const closed = w.close();
    await vi.advanceTimersByTimeAsync(1_500);
    await closed;
    expect(a.state).toBe('rejected');
    expect(isKtoError(a.error, 'KTO_ERR_INGEST_SHUTTING_DOWN')).toBe(true);
    expect(store.calls.insertObservations).toEqual([]);
  });

  it('a batch without observations only writes its ledger row', async () => {
    const w = writer();
    const a = watch(w.submit([], draft('a', 3, 0)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('resolved');
    expect(store.calls.insertObservations).toEqual([]);
    expect((await store.ledgerGet('a', 3))?.rows).toBe(0);
  });
});

describe('BatchWriter with runs', () => {
  let store: MemoryStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryStore();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const writer = (folder: RunFolder): BatchWriter =>
    new BatchWriter(store, resolveInsert({ maxRows: 100, maxDelayMs: 1_000, retryInitialMs: 100, retryMaxMs: 800 }), { now: () => NOW, runs: folder });

  async function current(zone = 'example.'): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for await (const chunk of store.streamRuns({ zone })) out.push(...chunk);
    return out;
  }
  /** Answered queries (status ok, NOERROR, an empty answer): one content, so one run per series. */
  const answers = (agent: string, seq: number, n: number): ObservationRow[] => rows(agent, seq, n).map((r) => ({ ...r, status: 'ok' as const }));
  const observed = (rs: readonly RunRecord[]): number => rs.filter((r) => r.kind === 'vantage').reduce((n, r) => n + r.observations, 0);

  it('writes the runs of each flush after its rows and before its ledger rows; a restarted writer resumes them', async () => {
    const w = writer(new RunFolder());
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('resolved');
    expect(store.calls.inserts).toEqual(['observations', 'runs', 'batches']);
    const first = await current();
    expect(observed(first)).toBe(10);
    expect(first.filter((r) => r.kind === 'answer').reduce((n, r) => n + r.count, 0)).toBe(10);

    // a new writer (a restarted collector) continues the stored runs instead of starting new ones
    const later = answers('a', 2, 5).map((r) => ({ ...r, observed_at_ms: r.observed_at_ms + 60_000 }));
    const w2 = writer(new RunFolder());
    const b = watch(w2.submit(later, draft('a', 2, 5)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.state).toBe('resolved');
    const after = await current();
    expect(observed(after)).toBe(15);
    expect(after.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([15]);
  });

  it('retries the runs while the store is unavailable; the batch is acknowledged once they are in', async () => {
    const w = writer(new RunFolder());
    store.faults.failRunInserts = 2;
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(300);
    expect(a.state).toBe('resolved');
    expect(store.calls.inserts).toEqual(['observations', 'runs', 'batches']);
    expect(store.calls.insertObservations).toEqual([10]);
    expect(observed(await current())).toBe(10);
  });

  it('folds while the observations are inserted, and writes the runs only once the rows are stored', async () => {
    const folder = new RunFolder();
    const w = writer(folder);
    store.faults.insertDelayMs = 500;
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_100);
    expect(folder.size).toBe(1); // folded ...
    expect(store.calls.inserts).toEqual([]); // ... before the rows are in
    await vi.advanceTimersByTimeAsync(500);
    expect(a.state).toBe('resolved');
    expect(store.calls.inserts).toEqual(['observations', 'runs', 'batches']);
    expect(observed(await current())).toBe(10);
  });

  it('rows the store refuses are not in the runs: their resent batch is folded once', async () => {
    const folder = new RunFolder();
    const w = writer(folder);
    store.faults.insertError = new KtoError('KTO_ERR_STORE_QUERY', 'rejected by the store');
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.state).toBe('rejected');
    expect(folder.size).toBe(0); // what was folded of them is forgotten
    const again = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(again.state).toBe('resolved');
    const runs = await current();
    expect(observed(runs)).toBe(10);
    expect(runs.filter((r) => r.kind === 'vantage').map((r) => [r.late, r.duplicates])).toEqual([[0, 0]]);
    expect(runs.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([10]);
  });

  it('a fold that cannot read the store while it is down is done again once the rows are stored', async () => {
    const folder = new RunFolder();
    const w = writer(folder);
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    // a restarted collector: its vantage points are read from the store, which is down at its first flush
    const w2 = writer(new RunFolder());
    store.faults.unavailable = true;
    const later = answers('a', 2, 5).map((r) => ({ ...r, observed_at_ms: r.observed_at_ms + 60_000 }));
    const b = watch(w2.submit(later, draft('a', 2, 5)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.state).toBe('pending');
    store.faults.unavailable = false;
    await vi.advanceTimersByTimeAsync(200);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    const runs = await current();
    expect(observed(runs)).toBe(15);
    expect(runs.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([15]);
  });

  it('runs the store refuses are given up (batches still acknowledged); the zone is rebuilt from rows', async () => {
    const folder = new RunFolder();
    const w = writer(folder);
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    store.faults.runInsertError = new KtoError('KTO_ERR_STORE_QUERY', 'refused (injected)');
    const later = answers('a', 2, 5).map((r) => ({ ...r, observed_at_ms: r.observed_at_ms + 60_000 }));
    const b = watch(w.submit(later, draft('a', 2, 5)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(folder.size).toBe(0); // forgotten: the next flush re-reads what is stored
    expect(await store.countObservations()).toBe(15);
    expect(observed(await current())).toBe(10);

    const result = await rebuildZoneRuns(store, 'example.');
    expect(result.rows).toBe(15);
    const rebuilt = await current();
    expect(observed(rebuilt)).toBe(15);
    expect(rebuilt.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([15]);
  });
});
