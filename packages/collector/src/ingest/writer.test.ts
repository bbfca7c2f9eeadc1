import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKtoError, KtoError } from '@kto/core';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollectorMetrics } from '../metrics.js';
import { resolveInsert } from '../options.js';
import { openStore } from '../storage/index.js';
import { sampleRow, uniqueDatabase } from '../storage/store-suite.js';
import type { ObservationRow, RunRecord, Store } from '../storage/types.js';
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

  it('runs the store refuses are given up (batches still acknowledged), and re-folded from the stored rows at once', async () => {
    const folder = new RunFolder();
    const w = writer(folder);
    const a = watch(w.submit(answers('a', 1, 10), draft('a', 1, 10)));
    await vi.advanceTimersByTimeAsync(1_000);
    store.faults.runInsertError = new KtoError('KTO_ERR_STORE_QUERY', 'refused (injected)');
    const later = answers('a', 2, 5).map((r) => ({ ...r, observed_at_ms: r.observed_at_ms + 60_000 }));
    const b = watch(w.submit(later, draft('a', 2, 5)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect([a.state, b.state]).toEqual(['resolved', 'resolved']);
    expect(store.calls.failedInserts).toBe(1); // the flush's runs were refused ...
    expect(await store.countObservations()).toBe(15);
    expect(w.refoldsQueued).toBe(0); // ... and the vantage point re-folded right after that flush
    const runs = await current();
    expect(observed(runs)).toBe(15);
    expect(runs.filter((r) => r.kind === 'answer').map((r) => r.count)).toEqual([15]);
    expect(comparable(runs)).toEqual(comparable(await rebuiltFrom(store)));
  });
});

/** Run rows without what differs between two folds of the same rows written at other times (version, rebuilt_ms), in key order. */
function comparable(rs: readonly RunRecord[]): Omit<RunRecord, 'version' | 'rebuilt_ms'>[] {
  const key = (r: RunRecord): string => [r.zone, r.agent_id, r.server, r.qtype, r.kind, r.first_ms, r.seq, r.idx].join('|');
  return [...rs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map(({ version: _v, rebuilt_ms: _r, ...rest }) => rest);
}

async function runsOf(store: Store, zone: string): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for await (const chunk of store.streamRuns({ zone })) out.push(...chunk);
  return out;
}

/** What `kto-collector rebuild-runs` makes of the rows `store` holds: rebuildZoneRuns over a copy of them in a fresh store. */
async function rebuiltFrom(store: Store, zone = 'example.'): Promise<RunRecord[]> {
  const copy = new MemoryStore();
  for await (const page of store.streamObservations({ zone })) await copy.insertObservations(page);
  await rebuildZoneRuns(copy, zone);
  return runsOf(copy, zone);
}

const BASE = Date.UTC(2026, 0, 1);
const SERVER_A = '192.0.2.53';
const SERVER_B = '2001:db8::53';

/**
 * Rows of agent 'a' asking two servers (two vantage points of zone example.), one of each per minute
 * `t`: DNSKEY answers whose key set changes at t = 15 and at t = 27, and a timeout at t = 12.
 */
function minuteRows(seq: number, times: readonly { server: string; t: number }[]): ObservationRow[] {
  return times.map(({ server, t }, idx) => {
    const keys = t < 15 ? ['8c1f2e0a5b7d9e31', '0b5e9a77c3d1f402'] : t < 27 ? ['8c1f2e0a5b7d9e31', '51aa0c3e9d2f7b60'] : ['51aa0c3e9d2f7b60'];
    return sampleRow({
      agent_id: 'a', seq, idx, server, received_at_ms: BASE + 3_600_000, observed_at_ms: BASE + Math.round(t * 60_000),
      dnskey_key_hashes: keys, dnskey_key_tags: keys.map((h) => Number.parseInt(h.slice(0, 4), 16)),
      dnskey_flags: keys.map(() => 256), dnskey_protocols: keys.map(() => 3), dnskey_algorithms: keys.map(() => 13), dnskey_key_bits: keys.map(() => 256),
      ...(t === 12 ? { status: 'timeout' as const, rcode: 0, raw: new Uint8Array(0) } : {}),
    });
  });
}
const both = (ts: readonly number[]): { server: string; t: number }[] => ts.flatMap((t) => [{ server: SERVER_A, t }, { server: SERVER_B, t }]);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Resolves once the writer has no re-fold queued (real timers). */
async function refolded(w: BatchWriter): Promise<void> {
  await vi.waitFor(() => expect(w.refoldsQueued).toBe(0), { timeout: 20_000, interval: 5 });
}

/**
 * A vantage point gets t = 10..20, then a flush with t = 5 and 14.5 (late: before its first row, and
 * inside a run) and t = 25 (on time), then t = 26..30. After the late flush the writer re-folds that
 * vantage point by itself: its runs count no late row, hold every stored row, and equal what a rebuild
 * from rows makes; the next flush extends them as a fresh fold of all rows would be. The other server
 * (no late row) is not re-folded and keeps its runs.
 */
async function lateRowsAreRefolded(store: Store): Promise<void> {
  const metrics = new CollectorMetrics();
  const folder = new RunFolder();
  const w = new BatchWriter(store, resolveInsert({ maxRows: 1_000, maxDelayMs: 2, retryInitialMs: 5, retryMaxMs: 20 }), { now: () => NOW, runs: folder, metrics });
  try {
    const first = minuteRows(1, both(range(10, 20)));
    await w.submit(first, draft('a', 1, first.length));
    const late = minuteRows(2, [{ server: SERVER_A, t: 5 }, { server: SERVER_A, t: 14.5 }, ...both([25])]);
    await w.submit(late, draft('a', 2, late.length));
    await refolded(w);

    const runs = await runsOf(store, 'example.');
    const vantage = (server: string): RunRecord[] => runs.filter((r) => r.kind === 'vantage' && r.server === server);
    expect(vantage(SERVER_A).map((r) => [r.late, r.observations, r.first_ms])).toEqual([[0, 14, BASE + 5 * 60_000]]);
    expect(vantage(SERVER_A)[0]?.rebuilt_ms).toBeGreaterThan(0);
    expect(vantage(SERVER_B).map((r) => [r.late, r.observations, r.rebuilt_ms])).toEqual([[0, 12, 0]]);
    expect(comparable(runs)).toEqual(comparable(await rebuiltFrom(store)));
    expect((await metrics.refolds.get()).values.map((v) => [v.labels.outcome, v.value])).toEqual([['done', 1]]);
    expect((await metrics.refoldRows.get()).values[0]?.value).toBe(14);

    // the next flush resumes from the re-folded runs
    const next = minuteRows(3, both(range(26, 30)));
    await w.submit(next, draft('a', 3, next.length));
    await refolded(w);
    const after = await runsOf(store, 'example.');
    expect(after.filter((r) => r.kind === 'vantage').map((r) => [r.server, r.late, r.observations])).toEqual(
      expect.arrayContaining([[SERVER_A, 0, 19], [SERVER_B, 0, 17]]),
    );
    expect(comparable(after)).toEqual(comparable(await rebuiltFrom(store)));
    expect((await metrics.refolds.get()).values.map((v) => v.value)).toEqual([1]); // no further re-fold was needed
  } finally {
    await w.close();
  }
}

describe('BatchWriter re-folds vantage points whose rows came late', () => {
  it('memory store', async () => {
    await lateRowsAreRefolded(new MemoryStore());
  });

  describe('chdb', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kto-writer-chdb-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
    it('chdb store', async () => {
      const store = await openStore({ mode: 'chdb', dataDir, database: uniqueDatabase('writer_refold') });
      try {
        await store.migrate();
        await lateRowsAreRefolded(store);
      } finally {
        await store.close();
      }
    });
  });
});

describe('BatchWriter re-folds that fail', () => {
  let store: MemoryStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryStore();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Makes the next `n` reads of one vantage point's rows (the re-fold's) fail as an unreachable store does. */
  function failVantageReads(n: number): { reads: number; at: number[] } {
    const seen = { reads: 0, at: [] as number[] };
    const real = store.streamObservations.bind(store);
    vi.spyOn(store, 'streamObservations').mockImplementation((q) => {
      if (q.server === undefined) return real(q);
      seen.reads++;
      seen.at.push(Date.now());
      if (seen.reads > n) return real(q);
      return (async function* fail(): AsyncGenerator<ObservationRow[]> {
        yield* [];
        throw new KtoError('KTO_ERR_STORE_UNAVAILABLE', 'memory store: read failed (injected)');
      })();
    });
    return seen;
  }

  function logger(): { logger: FastifyBaseLogger; lines: { level: string; obj: Record<string, unknown>; msg: string }[] } {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const at = (level: string) => (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
    };
    return { logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as FastifyBaseLogger, lines };
  }

  it('a re-fold whose read fails is retried after the backoff and succeeds; batches meanwhile are acknowledged on time', async () => {
    const metrics = new CollectorMetrics();
    const log = logger();
    const w = new BatchWriter(store, resolveInsert({ maxRows: 1_000, maxDelayMs: 1_000, retryInitialMs: 300, retryMaxMs: 1_200 }), {
      now: () => NOW, runs: new RunFolder(), metrics, logger: log.logger,
    });
    const reads = failVantageReads(3);
    const first = watch(w.submit(minuteRows(1, both(range(10, 20))), draft('a', 1, 22)));
    await vi.advanceTimersByTimeAsync(1_000);
    const late = watch(w.submit(minuteRows(2, [{ server: SERVER_A, t: 5 }, ...both([25])]), draft('a', 2, 3)));
    await vi.advanceTimersByTimeAsync(1_000);
    expect([first.state, late.state]).toEqual(['resolved', 'resolved']);
    expect(reads.reads).toBe(1); // the re-fold ran after the late flush, and failed
    expect(w.refoldsQueued).toBe(1);

    // batches keep flowing while the re-fold waits for its backoff (300, 600, 1,200 ms after each failure)
    const acked: number[] = [];
    for (let i = 0; i < 3; i++) {
      const submitted = Date.now();
      const p = w.submit(minuteRows(3 + i, both([26 + i])), draft('a', 3 + i, 2)).then(() => acked.push(Date.now() - submitted));
      await vi.advanceTimersByTimeAsync(1_000);
      await p;
    }
    expect(acked).toEqual([1_000, 1_000, 1_000]);
    // tried again 300, 600 and 1,200 ms after each failure, between those flushes; the fourth read succeeds
    expect(reads.at.map((t) => t - (reads.at[0] as number))).toEqual([0, 300, 900, 2_100]);
    expect(w.refoldsQueued).toBe(0);
    const runs = await runsOf(store, 'example.');
    expect(runs.filter((r) => r.kind === 'vantage').every((r) => r.late === 0)).toBe(true);
    expect(comparable(runs)).toEqual(comparable(await rebuiltFrom(store)));
    expect((await metrics.refolds.get()).values.map((v) => [v.labels.outcome, v.value]).sort()).toEqual([['done', 1], ['failed', 3]]);
    expect(log.lines.filter((l) => l.msg.startsWith('re-fold failed')).map((l) => l.obj.retryInMs)).toEqual([300, 600, 1_200]);
    const done = log.lines.find((l) => l.msg === 'vantage point re-folded');
    expect(done?.level).toBe('info');
    expect(done?.obj).toMatchObject({ zone: 'example.', agent: 'a', server: SERVER_A, rows: 15 });
    expect(typeof done?.obj.ms).toBe('number');
    await w.close();
  });

  it('a re-fold waits while a full flush waits, and runs once the queue is below it', async () => {
    const w = new BatchWriter(store, resolveInsert({ maxRows: 100, maxDelayMs: 1_000, retryInitialMs: 300, retryMaxMs: 1_200 }), { now: () => NOW, runs: new RunFolder() });
    const flushesBeforeRead: number[] = [];
    const real = store.streamObservations.bind(store);
    vi.spyOn(store, 'streamObservations').mockImplementation((q) => {
      if (q.server !== undefined) flushesBeforeRead.push(store.calls.insertObservations.length);
      return real(q);
    });
    watch(w.submit(minuteRows(1, both(range(10, 20))), draft('a', 1, 22)));
    await vi.advanceTimersByTimeAsync(1_000);
    store.faults.insertDelayMs = 500;
    const late = watch(w.submit(minuteRows(2, [{ server: SERVER_A, t: 5 }]), draft('a', 2, 1)));
    await vi.advanceTimersByTimeAsync(1_100); // the late flush is inserting
    const full = minuteRows(3, both(range(21, 70)));
    expect(full.length).toBe(100);
    const next = watch(w.submit(full, draft('a', 3, 100)));
    await vi.advanceTimersByTimeAsync(400);
    expect(late.state).toBe('resolved');
    expect(flushesBeforeRead).toEqual([]); // the full flush goes first ...
    await vi.advanceTimersByTimeAsync(500);
    expect(next.state).toBe('resolved');
    expect(flushesBeforeRead).toEqual([3]); // ... then the re-fold
    expect(w.refoldsQueued).toBe(0);
    expect(comparable(await runsOf(store, 'example.'))).toEqual(comparable(await rebuiltFrom(store)));
  });

  it('close() does not wait for a re-fold that keeps failing past its deadline, and logs the zones left to rebuild', async () => {
    const log = logger();
    const w = new BatchWriter(store, resolveInsert({ maxRows: 1_000, maxDelayMs: 1_000, retryInitialMs: 300, retryMaxMs: 1_200, shutdownFlushMs: 2_000 }), {
      now: () => NOW, runs: new RunFolder(), logger: log.logger,
    });
    failVantageReads(Number.POSITIVE_INFINITY);
    watch(w.submit(minuteRows(1, both(range(10, 20))), draft('a', 1, 22)));
    await vi.advanceTimersByTimeAsync(1_000);
    const late = watch(w.submit(minuteRows(2, [{ server: SERVER_A, t: 5 }]), draft('a', 2, 1)));
    const t0 = Date.now();
    const closed = watch(w.close());
    await vi.advanceTimersByTimeAsync(2_000);
    expect([late.state, closed.state]).toEqual(['resolved', 'resolved']);
    expect(Date.now() - t0).toBe(2_000);
    expect(w.refoldsQueued).toBe(0);
    const left = log.lines.find((l) => l.msg.startsWith('runs not re-folded at shutdown'));
    expect(left?.obj).toMatchObject({ zones: ['example.'], vantages: [{ zone: 'example.', agent_id: 'a', server: SERVER_A }] });
  });
});
