// The storage contract as one test suite, run against every Store implementation: chdb-store.test.ts
// (embedded chdb) and server-store.test.ts (a real clickhouse-server 18.16 started by the harness).
// Each test works in a database of its own (STYLE.md §9); expectations are computed from the rows put
// in, raw responses are real RIPE Atlas DNS answers (shared/real-data/ripe-atlas).
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isKtoError } from '@kto/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Driver } from './driver.js';
import { DEFAULT_MIGRATIONS_DIR } from './migrations.js';
import { openStore } from './index.js';
import { encodeObservations, OBSERVATION_COLUMNS } from './rows.js';
import { emptyRunRecord, RUN_COLUMNS } from './run-rows.js';
import { compareRowOrder, RunFolder } from '../runs/fold.js';
import { rebuildZoneRuns, refoldRows } from '../runs/rebuild.js';
import type { AgentRecord, AnalysisRecord, BatchLedgerEntry, ObservationRow, RunRecord, Store, ZoneRecord } from './types.js';

export interface StoreSuiteTarget {
  readonly mode: 'chdb' | 'server';
  /** Opens a store on `database`; `migrationsDir` replaces the package's migrations when given. */
  open(database: string, migrationsDir?: string): Promise<Store>;
  /** A store whose server cannot be reached (server mode). */
  openUnreachable?: () => Promise<Store>;
  /** The transport under the store, to send payloads the store itself never produces. */
  openDriver(): Driver;
}

let databaseCounter = 0;
/** A database name no other test (or earlier run on the same server) uses. */
export function uniqueDatabase(label: string): string {
  return `kto_test_${label}_${randomBytes(4).toString('hex')}_${++databaseCounter}`;
}

const repoRoot = resolve(import.meta.dirname, '../../../..');
const ATLAS_RESULTS = join(repoRoot, '../shared/real-data/ripe-atlas/sagan-test-dns-results.jsonl');

interface AtlasResult {
  af?: number;
  dst_addr?: string;
  prb_id: number;
  msm_id: number;
  proto?: string;
  timestamp: number;
  result?: { abuf?: string; rt?: number };
  resultset?: { result?: { abuf?: string; rt?: number }; dst_addr?: string; af?: number; proto?: string }[];
}

/** QNAME (presentation, trailing dot) and QTYPE of the first question of a DNS message. */
function question(msg: Uint8Array): { qname: string; qtype: number } {
  let p = 12;
  const labels: string[] = [];
  for (let len = msg[p] ?? 0; len !== 0; len = msg[p] ?? 0) {
    labels.push(Buffer.from(msg.subarray(p + 1, p + 1 + len)).toString('latin1'));
    p += 1 + len;
  }
  return { qname: `${labels.join('.')}.`, qtype: ((msg[p + 1] ?? 0) << 8) | (msg[p + 2] ?? 0) };
}

/** An observation with every column set to a plausible, non-default value. */
export function sampleRow(overrides: Partial<ObservationRow> = {}): ObservationRow {
  return {
    agent_id: 'agent-1', seq: 1, idx: 0, received_at_ms: 1_700_000_005_000,
    country: 'NL', continent: 'EU', asn: 1140, vantage_kind: 'resolver', server: '127.0.0.53', server_port: 53,
    server_name: '', family: 4, transport: 'udp', tc_retry: 0,
    zone: 'example.', qname: 'example.', qtype: 48, do_bit: 1, cd_bit: 0, edns_udp_size: 1232,
    observed_at_ms: 1_700_000_000_000, rtt_us: 1_234,
    status: 'ok', error: '', rcode: 0, header_flags: 0x81a0, aa: 0, tc: 0, ad: 1, ede_codes: [], ede_texts: [],
    attempts: 1, raw: Uint8Array.of(0x12, 0x34, 0x81, 0xa0, 0, 1, 0, 0, 0, 0, 0, 0),
    answer_ttl: 3_600, soa_serial: 0,
    dnskey_flags: [256, 257], dnskey_protocols: [3, 3], dnskey_algorithms: [13, 13], dnskey_key_tags: [31_406, 2_371],
    dnskey_key_hashes: ['8c1f2e0a5b7d9e31', '0b5e9a77c3d1f402'], dnskey_key_bits: [256, 256],
    ds_key_tags: [], ds_algorithms: [], ds_digest_types: [], ds_digests: [], ns_hosts: [],
    csync_serial: 0, csync_flags: 0, csync_types: [],
    rrsig_type_covered: [48], rrsig_algorithms: [13], rrsig_labels: [1], rrsig_original_ttls: [3_600],
    rrsig_inceptions: [1_699_000_000], rrsig_expirations: [1_701_000_000], rrsig_key_tags: [2_371],
    rrsig_signers: ['example.'], rrsig_ttls: [3_600], rrsig_checks: ['valid'],
    ...overrides,
  };
}

/** One row per recorded RIPE Atlas DNS answer (49 responses, 12 to 2,770 bytes), all in `zone`. */
export function atlasRows(zone: string): ObservationRow[] {
  const rows: ObservationRow[] = [];
  const lines = readFileSync(ATLAS_RESULTS, 'utf8').split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    const o = JSON.parse(line) as AtlasResult;
    const results = o.resultset !== undefined
      ? o.resultset.map((r) => ({ ...r.result, dst_addr: r.dst_addr, af: r.af, proto: r.proto }))
      : [{ ...o.result, dst_addr: o.dst_addr, af: o.af, proto: o.proto }];
    for (const r of results) {
      if (r.abuf === undefined) continue;
      const raw = new Uint8Array(Buffer.from(r.abuf, 'base64'));
      const q = question(raw);
      rows.push(sampleRow({
        agent_id: `atlas-probe-${o.prb_id}`, seq: o.msm_id, idx: rows.length,
        received_at_ms: o.timestamp * 1000 + 60_000, vantage_kind: 'authoritative',
        server: r.dst_addr ?? '', family: r.af ?? 0, transport: r.proto === 'TCP' ? 'tcp' : r.proto === 'UDP' ? 'udp' : 'unknown',
        zone, qname: q.qname, qtype: q.qtype, observed_at_ms: o.timestamp * 1000 + rows.length,
        rtt_us: Math.round((r.rt ?? 0) * 1000), rcode: (raw[3] ?? 0) & 0x0f, header_flags: ((raw[2] ?? 0) << 8) | (raw[3] ?? 0),
        aa: ((raw[2] ?? 0) >> 2) & 1, tc: ((raw[2] ?? 0) >> 1) & 1, ad: ((raw[3] ?? 0) >> 5) & 1, raw,
      }));
    }
  }
  return rows;
}


/** A stored analysis with `n` items per table; details are JSON with characters TSV and SQL escape. */
export function sampleAnalysis(zone: string, analysisId: string, version: number, n: number, label = ''): AnalysisRecord {
  const detail = (kind: string, i: number): string =>
    JSON.stringify({ kind, i, label, note: "tab\there\nnew line \\ 'quote' \"dq\" é 🦀" });
  const range = Array.from({ length: n }, (_, i) => i);
  return {
    header: {
      zone, analysis_id: analysisId, version, computed_at_ms: version, mode: 'batch', analyzer: 'kto-analyzer test',
      from_ms: 1_600_000_000_000, to_ms: 1_700_000_000_000, observations: 10 * n, summary: JSON.stringify({ label, n }),
    },
    keys: range.map((i) => ({
      idx: i, key_id: `13/${1_000 + i}/0123456789abcdef`, algorithm: 13, key_tag: 1_000 + i, role: i === 0 ? 'KSK' : 'ZSK',
      vantage: i % 2 === 0 ? 'authoritative' : `agent-${i}/127.0.0.53`, first_published_ms: 1_600_000_000_000 + i,
      last_published_ms: Number.MAX_SAFE_INTEGER, first_signing_ms: 0, last_signing_ms: 0, first_ds_ms: 1_600_000_000_000,
      last_ds_ms: 1_650_000_000_000, revoked_ms: 0, detail: detail('key', i),
    })),
    transitions: range.map((i) => ({
      idx: i, role: 'ZSK', procedure: 'zsk-pre-publish', conformance: i % 2 === 0 ? 'yes' : 'undecided', start_ms: 1_600_000_000_000, end_ms: 1_600_000_100_000,
      keys_in: [`13/${2_000 + i}/0123456789abcdef`], keys_out: [], algorithms_in: [13, 15], algorithms_out: [8], detail: detail('transition', i),
    })),
    findings: range.map((i) => ({
      idx: i, code: 'KEY_ACTIVATED_BEFORE_PREPUBLISH', severity: 'error', at_ms: 1_600_000_050_000 + i,
      keys: [`13/${2_000 + i}/0123456789abcdef`, 'x'], refs: ['RFC 7583 §3.2.1', "it's"], message: `finding ${i}\t${label}`,
      detail: detail('finding', i),
    })),
    lag: range.map((i) => ({
      idx: i, vantage: `agent-${i}/127.0.0.53`, agent_id: `agent-${i}`, server: '127.0.0.53', country: 'CZ', continent: 'EU',
      lagging: i % 2, max_lag_ms: 12_345 * i, bound_ms: 60_000, detail: detail('lag', i),
    })),
  };
}

type Key = Pick<ObservationRow, 'observed_at_ms' | 'agent_id' | 'seq' | 'idx'>;
function byKey(a: Key, b: Key): number {
  if (a.observed_at_ms !== b.observed_at_ms) return a.observed_at_ms - b.observed_at_ms;
  if (a.agent_id !== b.agent_id) return a.agent_id < b.agent_id ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.idx - b.idx;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  const err = await p.then(
    () => { throw new Error(`expected ${code}, but the call succeeded`); },
    (e: unknown) => e,
  );
  expect(isKtoError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as Error;
}

/** A TCP port nothing listens on (the kernel's pick, closed again). */
export function closedPort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** The shared storage suite. */
export function storeSuite(label: string, target: StoreSuiteTarget): void {
  /** Opens a migrated store on a fresh database, runs `fn`, closes it. */
  async function withStore(fn: (store: Store, database: string) => Promise<void>): Promise<void> {
    const database = uniqueDatabase(label);
    const store = await target.open(database);
    try {
      await store.migrate();
      await fn(store, database);
    } finally {
      await store.close();
    }
  }

  describe(`Store contract (${label})`, () => {
    describe('runs', () => {
      const runKey = (r: RunRecord): string => [r.agent_id, r.server, r.qtype, r.kind, r.first_ms, r.seq, r.idx].join('|');
      const sortRuns = (rs: readonly RunRecord[]): RunRecord[] => [...rs].sort((a, b) => (runKey(a) < runKey(b) ? -1 : runKey(a) > runKey(b) ? 1 : 0));
      async function readRuns(store: Store, q: { zone: string; fromMs?: number; toMs?: number }): Promise<RunRecord[]> {
        const out: RunRecord[] = [];
        for await (const chunk of store.streamRuns(q)) out.push(...chunk);
        return sortRuns(out);
      }
      /** Real answers (RIPE Atlas) of two agents, failures and a truncated answer among them, as stored rows. */
      function runRows(zone: string): ObservationRow[] {
        const rows = atlasRows(zone);
        return rows.map((r, i) => (i % 7 === 3 ? { ...r, status: 'timeout' as const, ede_codes: [22] } : i % 11 === 5 ? { ...r, tc: 1 } : r));
      }

      it('a fold of real answers round-trips through insertRuns / streamRuns / vantageRuns / runSamples, every column', async () => {
        await withStore(async (store) => {
          const rows = runRows('runs.example.');
          const first = rows[0] as ObservationRow;
          // a later answer of the first series with another key set: that series has a closed run and an open one
          rows.push({ ...first, seq: first.seq + 1, observed_at_ms: first.observed_at_ms + 3_600_000, dnskey_key_hashes: ['1111111111111111', '2222222222222222'] });
          const folder = new RunFolder();
          const folded = folder.fold(rows, folder.nextVersion(1_700_000_000_000));
          const written = folded.runs;
          expect(written.map((r) => r.kind)).toEqual(expect.arrayContaining(['vantage', 'answer', 'failure']));
          // values at the edges of their columns, and text TSV and SQL escape
          const odd = emptyRunRecord('runs.example.', "agent\t'1'\\\n", '2001:db8::1', 0, 'vantage', 1);
          // every number column a value of its own, so a column read into another's place shows
          let distinct = 2;
          const cells = odd as unknown as Record<string, unknown>;
          for (const c of RUN_COLUMNS) {
            const v = cells[c];
            if (typeof v === 'number') cells[c] = distinct++;
            else if (Array.isArray(v) && c !== 'dnskey_key_hashes' && c !== 'ds_digests' && c !== 'ns_hosts') cells[c] = [distinct++, distinct++];
          }
          Object.assign(odd, {
            dnskey_key_hashes: ['h1'], ds_digests: ['d1', 'd2'], ns_hosts: ["ns1.'x'.example."], vantage_kind: 'resolver', failure_kind: 'timeout',
            version: 1_700_000_000_000, min_upload_delay: -86_400_000, last_serial: -1, server_name: 'ns1.é.example.', country: 'NL', continent: 'EU',
            observations: Number.MAX_SAFE_INTEGER, deltas: [1, 300_000], long_gaps: [2, 9_000_000_000_000], qtypes: [48, 6, 65_535],
          });
          await store.insertRuns([...written, odd], folded.samples);
          expect(await readRuns(store, { zone: 'runs.example.' })).toEqual(sortRuns(structuredClone([...written, odd])));
          expect(await readRuns(store, { zone: 'other.example.' })).toEqual([]);
          // with the raw bytes of first rows: resuming a fold, and the samples an analysis verifies
          const vantages = [...new Set(rows.map((r) => `${r.agent_id}\n${r.server}`))].map((k) => ({ zone: 'runs.example.', agent_id: k.split('\n')[0] as string, server: k.split('\n')[1] as string }));
          const resumable = written.filter((r) => r.kind === 'vantage' || r.open === 1);
          expect(resumable.length).toBeLessThan(written.length); // closed runs are not read back to resume
          expect(sortRuns(await store.vantageRuns(vantages))).toEqual(sortRuns(structuredClone(resumable)));
          expect(await store.vantageRuns(vantages.map((v) => ({ ...v, zone: 'other.example.' })))).toEqual([]);
          const answers = written.filter((r) => r.kind === 'answer');
          expect(folded.samples.map((x) => `${x.agent_id}/${x.seq}/${x.idx}`).sort()).toEqual(answers.map((r) => `${r.agent_id}/${r.seq}/${r.idx}`).sort());
          const samples = await store.runSamples('runs.example.', answers);
          expect(samples.size).toBe(answers.length);
          const byKey = new Map(rows.map((r) => [`${r.agent_id}/${r.seq}/${r.idx}`, r.raw]));
          for (const r of answers) {
            expect(samples.get(`${r.agent_id}/${r.seq}/${r.idx}`)).toEqual(byKey.get(`${r.agent_id}/${r.seq}/${r.idx}`));
            expect(samples.get(`${r.agent_id}/${r.seq}/${r.idx}`)?.length).toBe(r.raw_length);
          }
          expect((await store.runSamples('other.example.', answers)).size).toBe(0);
          expect((await store.runSamples('runs.example.', [])).size).toBe(0);
        });
      });

      it('a rewrite of an open run with a higher version replaces it; the window selects runs, vantage rows always', async () => {
        await withStore(async (store) => {
          const zone = 'runs.example.';
          const v = Object.assign(emptyRunRecord(zone, 'a1', '192.0.2.1', 0, 'vantage', 1_000), { version: 1, last_ms: 9_000, observations: 3 });
          const open = Object.assign(emptyRunRecord(zone, 'a1', '192.0.2.1', 48, 'answer', 1_000), { version: 1, last_ms: 2_000, count: 2 });
          const later = Object.assign(emptyRunRecord(zone, 'a1', '192.0.2.1', 48, 'answer', 8_000), { version: 2, last_ms: 9_000, count: 1, seq: 5 });
          await store.insertRuns([v, open]);
          await store.insertRuns([{ ...open, version: 2, last_ms: 5_000, count: 4 }, later, { ...v, version: 2 }]);
          const all = await readRuns(store, { zone });
          expect(all.map((r) => [r.kind, r.first_ms, r.version, r.last_ms, r.count])).toEqual([
            ['vantage', 1_000, 2, 9_000, 0], ['answer', 1_000, 2, 5_000, 4], ['answer', 8_000, 2, 9_000, 1],
          ]);
          expect((await readRuns(store, { zone, fromMs: 6_000 })).map((r) => [r.kind, r.first_ms])).toEqual([['vantage', 1_000], ['answer', 8_000]]);
          expect((await readRuns(store, { zone, toMs: 8_000 })).map((r) => [r.kind, r.first_ms])).toEqual([['vantage', 1_000], ['answer', 1_000]]);
          expect((await readRuns(store, { zone, fromMs: 5_001, toMs: 8_000 })).map((r) => r.kind)).toEqual(['vantage']);
          // vantageRuns: every current row of the asked vantage points only
          await store.insertRuns([Object.assign(emptyRunRecord(zone, 'a2', '192.0.2.1', 0, 'vantage', 1_000), { version: 3 })]);
          const some = sortRuns(await store.vantageRuns([{ zone, agent_id: 'a1', server: '192.0.2.1' }]));
          expect(some.map((r) => [r.agent_id, r.kind, r.version])).toEqual([['a1', 'vantage', 2], ['a1', 'answer', 2], ['a1', 'answer', 2]]);
          // a rebuild marks the vantage point: its rows written before the rebuild no longer count
          await store.insertRuns([{ ...v, version: 10, rebuilt_ms: 10 }, { ...later, version: 10 }]);
          expect((await readRuns(store, { zone })).filter((r) => r.agent_id === 'a1').map((r) => [r.kind, r.first_ms])).toEqual([['vantage', 1_000], ['answer', 8_000]]);
        });
      });

      it('runs that later flushes extend are written as extents (migration 0013) and read back current, every column', async () => {
        await withStore(async (store) => {
          const zone = 'extents.example.';
          const rows = runRows(zone).sort(compareRowOrder);
          const third = Math.ceil(rows.length / 3);
          const parts = [rows.slice(0, third), rows.slice(third, 2 * third), rows.slice(2 * third)];
          const folder = new RunFolder();
          const current = new Map<string, RunRecord>();
          let extents = 0;
          for (const [i, part] of parts.entries()) {
            const f = folder.fold(part, folder.nextVersion(1_700_000_000_000 + i));
            extents += f.extended.size;
            await store.insertRuns(f.runs, f.samples, f.extended);
            for (const r of f.runs) current.set(runKey(r), structuredClone(r));
          }
          expect(extents).toBeGreaterThan(0);
          const expected = sortRuns([...current.values()]);
          expect(await readRuns(store, { zone })).toEqual(expected);
          // the window applies to the current rows (an extent's last_ms)
          const mid = (parts[1]?.[0] as ObservationRow).observed_at_ms;
          expect(await readRuns(store, { zone, fromMs: mid })).toEqual(expected.filter((r) => r.kind === 'vantage' || r.last_ms >= mid));
          const vantages = expected.filter((r) => r.kind === 'vantage').map((r) => ({ zone, agent_id: r.agent_id, server: r.server }));
          expect(sortRuns(await store.vantageRuns(vantages))).toEqual(expected.filter((r) => r.kind === 'vantage' || r.open === 1));
          // a whole row of a higher version (as a rebuild writes) wins over the extents before it; an older extent does not override it
          const v = expected.find((r) => r.kind === 'vantage') as RunRecord;
          const whole = { ...v, version: 1_800_000_000_000, observations: 1 };
          await store.insertRuns([whole]);
          const stale = { ...v, version: 1_750_000_000_000, observations: 99 };
          await store.insertRuns([stale], [], new Set([stale]));
          expect((await readRuns(store, { zone })).find((r) => runKey(r) === runKey(v))).toEqual(whole);
        });
      });

      it('a refold that folds a row earlier than the first one folded before supersedes the vantage row written before it', async () => {
        await withStore(async (store) => {
          const zone = 'late.example.';
          const rows = runRows(zone);
          // one vantage point answers three more times later, with another key set; its first row comes
          // late: the fold before it starts that vantage point at its second row
          const early = rows[0]!;
          for (let i = 1; i <= 3; i++) {
            rows.push({ ...early, seq: early.seq + i, observed_at_ms: early.observed_at_ms + i * 3_600_000, dnskey_key_hashes: ['1111111111111111', '2222222222222222'] });
          }
          rows.sort(compareRowOrder);
          const rest = rows.filter((r) => r !== early);
          const folder = new RunFolder();
          await store.insertObservations(rest);
          const before = folder.fold(rest, folder.nextVersion(1));
          await store.insertRuns(before.runs, before.samples);
          await store.insertObservations([early]);
          const lateFold = folder.fold([early], folder.nextVersion(2));
          expect(lateFold.late).toEqual([{ zone, agent_id: early.agent_id, server: early.server }]);
          await store.insertRuns(lateFold.runs, lateFold.samples, lateFold.extended);
          const own = (rs: readonly RunRecord[]): RunRecord[] => rs.filter((r) => r.kind === 'vantage' && r.agent_id === early.agent_id && r.server === early.server);
          expect(own(await readRuns(store, { zone })).map((r) => [r.late, r.first_ms])).toEqual([[1, before.runs.find((r) => r.kind === 'vantage' && r.agent_id === early.agent_id && r.server === early.server)?.first_ms]]);

          const version = 1_000;
          const result = await refoldRows(store, store.streamObservations({ zone, agentId: early.agent_id, server: early.server }), version);
          expect(result?.rows).toBe(rows.filter((r) => r.agent_id === early.agent_id && r.server === early.server).length);
          const expected = new RunFolder().fold(rows, version).runs;
          for (const r of expected) if (r.kind === 'vantage') r.rebuilt_ms = version;
          // the old vantage row (another key: a later first row) is still stored, and no longer read
          const current = await readRuns(store, { zone });
          expect(own(current).map((r) => [r.late, r.first_ms, r.rebuilt_ms])).toEqual([[0, early.observed_at_ms, version]]);
          const sameVantage = (r: RunRecord): boolean => r.agent_id === early.agent_id && r.server === early.server;
          expect(current.filter(sameVantage)).toEqual(sortRuns(structuredClone(expected.filter(sameVantage))));
          // a folder resumes from the refold's vantage row and runs, not from those left from before it
          // (in whichever order the store returns them)
          const stored = await store.vantageRuns([{ zone, agent_id: early.agent_id, server: early.server }]);
          expect(stored.filter((r) => r.kind === 'vantage').length).toBe(2);
          const resumed = new RunFolder();
          resumed.load(stored.sort((a, b) => a.rebuilt_ms - b.rebuilt_ms));
          const again = resumed.fold([{ ...early, seq: early.seq + 1, observed_at_ms: (rows[rows.length - 1] as ObservationRow).observed_at_ms + 60_000 }], version + 1);
          expect(again.late).toEqual([]);
          expect(again.runs.find((r) => r.kind === 'vantage')).toMatchObject({ first_ms: early.observed_at_ms, rebuilt_ms: version, late: 0 });
        });
      });

      it('rows stored without their runs (a crash between the inserts) are recovered by a rebuild from rows', async () => {
        await withStore(async (store) => {
          const zone = 'crash.example.';
          const rows = runRows(zone);
          const half = rows.slice(0, rows.length >> 1);
          const folder = new RunFolder();
          await store.insertObservations(half);
          const halfFold = folder.fold(half, folder.nextVersion(1));
          await store.insertRuns(halfFold.runs, halfFold.samples);
          await store.insertObservations(rows.slice(half.length)); // the collector stops here: no runs for these
          const behind = await readRuns(store, { zone });
          expect(behind.filter((r) => r.kind === 'vantage').reduce((n, r) => n + r.observations, 0)).toBe(half.length);

          const result = await rebuildZoneRuns(store, zone, 1_000);
          expect(result).toMatchObject({ zone, rows: rows.length });
          const fresh = new RunFolder();
          const expected = fresh.fold([...rows].sort((a, b) => a.observed_at_ms - b.observed_at_ms || (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : a.seq - b.seq || a.idx - b.idx)), result.version).runs;
          for (const r of expected) if (r.kind === 'vantage') r.rebuilt_ms = result.version;
          expect(result.runs).toBe(expected.length);
          expect(result.version).toBeGreaterThan(1);
          expect(await readRuns(store, { zone })).toEqual(sortRuns(structuredClone(expected)));
          // the raw responses of every run, for the analysis to verify
          expect((await store.runSamples(zone, expected.filter((r) => r.kind === 'answer'))).size).toBe(expected.filter((r) => r.kind === 'answer').length);
        });
      });
    });

    describe('migrations', () => {
      it('apply every file in order, record them, and re-running is a no-op', async () => {
        const files = (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
        expect(files.length).toBeGreaterThan(0);
        const store = await target.open(uniqueDatabase(label));
        try {
          expect(store.mode).toBe(target.mode);
          const first = await store.migrate();
          expect(first.applied).toEqual(files);
          expect(first.already).toEqual([]);
          expect(first.serverVersion).toMatch(/^\d+\.\d+/);
          expect(first.serverVersion).toBe(await store.serverVersion());
          const again = await store.migrate();
          expect(again.applied).toEqual([]);
          expect(again.already).toEqual(files);
        } finally {
          await store.close();
        }
      });

      it('two runners racing on one database both succeed and the schema works', async () => {
        const database = uniqueDatabase(label);
        const [a, b] = await Promise.all([target.open(database), target.open(database)]);
        try {
          const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
          const all = (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
          expect(new Set([...ra.applied, ...rb.applied])).toEqual(new Set(all));
          expect([...ra.applied, ...ra.already].sort()).toEqual(all);
          expect([...rb.applied, ...rb.already].sort()).toEqual(all);
          const third = await a.migrate();
          expect(third.already).toEqual(all);
          await a.insertObservations([sampleRow()]);
          expect(await b.countObservations()).toBe(1);
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });

      it('a failing statement is KTO_ERR_STORE_MIGRATION naming the file; earlier files stay applied', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'kto-migrations-'));
        try {
          await copyFile(join(DEFAULT_MIGRATIONS_DIR, '0001_create_observations.sql'), join(dir, '0001_create_observations.sql'));
          await writeFile(join(dir, '0002_create_broken.sql'), 'CREATE TABLE IF NOT EXISTS broken (a NoSuchType) ENGINE = Memory;\n');
          const store = await target.open(uniqueDatabase(label), dir);
          try {
            const err = await expectCode(store.migrate(), 'KTO_ERR_STORE_MIGRATION');
            expect(err.message).toContain('0002_create_broken.sql');
            expect((err as { details?: { file?: string } }).details?.file).toBe('0002_create_broken.sql');
            await store.insertObservations([sampleRow()]);
            expect(await store.countObservations()).toBe(1);
            // the broken file is not recorded: it fails again, the good one is not re-applied
            await expectCode(store.migrate(), 'KTO_ERR_STORE_MIGRATION');
          } finally {
            await store.close();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('re-runs an ADD COLUMN whose column exists (a crash before it was recorded)', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'kto-migrations-'));
        const database = uniqueDatabase(label);
        const driver = target.openDriver();
        try {
          await copyFile(join(DEFAULT_MIGRATIONS_DIR, '0006_create_zones.sql'), join(dir, '0001_create_zones.sql'));
          const store = await target.open(database, dir);
          try {
            expect((await store.migrate()).applied).toEqual(['0001_create_zones.sql']);
            const alter = 'ALTER TABLE zones ADD COLUMN note String';
            await driver.commandInDatabase(database, alter); // applied, then the runner "died"
            await writeFile(join(dir, '0002_add_zone_note.sql'), `-- a note per zone\n${alter};\n`);
            expect((await store.migrate()).applied).toEqual(['0002_add_zone_note.sql']);
            // any other failure of an ALTER still fails the migration
            await writeFile(join(dir, '0003_drop_zone_nothing.sql'), 'ALTER TABLE zones DROP COLUMN nothing;\n');
            const err = await expectCode(store.migrate(), 'KTO_ERR_STORE_MIGRATION');
            expect(err.message).toContain('0003_drop_zone_nothing.sql');
          } finally {
            await store.close();
          }
        } finally {
          await driver.close();
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('refuses a file changed after it was applied, and badly named files', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'kto-migrations-'));
        try {
          const file = join(dir, '0001_create_zones.sql');
          await copyFile(join(DEFAULT_MIGRATIONS_DIR, '0006_create_zones.sql'), file);
          const store = await target.open(uniqueDatabase(label), dir);
          try {
            expect((await store.migrate()).applied).toEqual(['0001_create_zones.sql']);
            await writeFile(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
            const changed = await expectCode(store.migrate(), 'KTO_ERR_STORE_MIGRATION');
            expect(changed.message).toMatch(/0001_create_zones\.sql.*changed/);
            await rm(file);
            await writeFile(join(dir, 'create_more.sql'), 'SELECT 1;\n');
            const named = await expectCode(store.migrate(), 'KTO_ERR_STORE_MIGRATION');
            expect(named.message).toContain('create_more.sql');
          } finally {
            await store.close();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });

    describe('observations', () => {
      it('round-trips every column of real responses and of edge values', async () => {
        await withStore(async (store) => {
          const zone = 'roundtrip.example.';
          const allBytes = new Uint8Array(256).map((_, i) => i);
          const rows = [
            ...atlasRows(zone),
            sampleRow({ zone, idx: 1_000, raw: allBytes, agent_id: 'edge', observed_at_ms: 1_600_000_000_000 }),
            sampleRow({
              zone, idx: 1_001, agent_id: 'edge', observed_at_ms: 1_600_000_000_000, raw: new Uint8Array(0),
              country: '', continent: '', server_name: '', error: '', ede_codes: [], ede_texts: [], dnskey_flags: [],
              dnskey_protocols: [], dnskey_algorithms: [], dnskey_key_tags: [], dnskey_key_hashes: [], dnskey_key_bits: [],
              rrsig_type_covered: [], rrsig_algorithms: [], rrsig_labels: [], rrsig_original_ttls: [], rrsig_inceptions: [],
              rrsig_expirations: [], rrsig_key_tags: [], rrsig_signers: [], rrsig_ttls: [], rrsig_checks: [],
            }),
            sampleRow({
              zone, idx: 1_002, agent_id: 'édge-ü', observed_at_ms: 1_600_000_000_001,
              country: 'Ελλάδα', continent: '南极洲', server_name: 'ns1.xn--bcher-kva.example.',
              qname: 'a\\032b\\.c.example.', error: "tab\there\nnewline \\ backslash ' quote \" dq \0 nul \r cr 🦀",
              ede_codes: [0, 6, 65_535], ede_texts: ['', "it's \\ [a,b] 'q'", 'DNSKEY Missing\n', '😀 \t end'],
              ds_key_tags: [20_326], ds_algorithms: [8], ds_digest_types: [2],
              ds_digests: ['e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d'],
              ns_hosts: ['a.root-servers.net.', ''], csync_serial: 4_294_967_295, csync_flags: 3, csync_types: [1, 2, 28],
              seq: Number.MAX_SAFE_INTEGER, asn: 4_294_967_295, server_port: 65_535, family: 6, rtt_us: 4_294_967_295,
              rcode: 4_095, header_flags: 65_535, answer_ttl: 4_294_967_295, soa_serial: 4_294_967_295,
              attempts: 65_535, received_at_ms: Number.MAX_SAFE_INTEGER, dnskey_key_bits: [4_294_967_295, 0],
            }),
          ];
          await store.insertObservations(rows);
          const got = await store.queryObservations({ zone, limit: 1_000 });
          expect(got).toEqual([...rows].sort(byKey));
          const full = got.find((r) => r.idx === 1_000);
          expect(full?.raw).toBeInstanceOf(Uint8Array);
          expect(Buffer.from(full?.raw ?? []).equals(Buffer.from(allBytes))).toBe(true);
        });
      });

      it('round-trips any bytes, strings and arrays (property)', async () => {
        const special = fc.constantFrom('\\', '\t', '\n', '\r', '\0', '\b', '\f', "'", '"', '[', ']', ',', '\u00e9', '\u{1f980}');
        const text = fc.string({ unit: fc.oneof(special, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 24 });
        const rowArb = fc.record({
          raw: fc.uint8Array({ maxLength: 700 }),
          error: text,
          qname: text,
          ede_texts: fc.array(text, { maxLength: 4 }),
          ede_codes: fc.array(fc.integer({ min: 0, max: 65_535 }), { maxLength: 4 }),
          rrsig_inceptions: fc.array(fc.integer({ min: 0, max: 4_294_967_295 }), { maxLength: 4 }),
          ns_hosts: fc.array(text, { maxLength: 3 }),
        });
        await withStore(async (store) => {
          let run = 0;
          await fc.assert(
            fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 12 }), async (parts) => {
              const zone = `prop${++run}.example.`;
              const rows = parts.map((p, idx) => sampleRow({ ...p, zone, idx, seq: run }));
              await store.insertObservations(rows);
              const got = await store.queryObservations({ zone, limit: 100 });
              expect(got).toEqual(rows);
            }),
            { numRuns: 30 },
          );
        });
      });

      it('a batch with a bad value is refused whole (KTO_ERR_STORE_BAD_VALUE names the column and row)', async () => {
        await withStore(async (store) => {
          const rows = [sampleRow({ idx: 0 }), sampleRow({ idx: 1 }), sampleRow({ idx: 2, qtype: 65_536 })];
          const err = await expectCode(store.insertObservations(rows), 'KTO_ERR_STORE_BAD_VALUE');
          expect(err.message).toMatch(/qtype.*row 2/);
          await expectCode(store.insertObservations([sampleRow({ seq: -1 })]), 'KTO_ERR_STORE_BAD_VALUE');
          await expectCode(store.insertObservations([sampleRow({ rtt_us: 1.5 })]), 'KTO_ERR_STORE_BAD_VALUE');
          await expectCode(store.insertObservations([sampleRow({ ede_codes: [1, Number.NaN] })]), 'KTO_ERR_STORE_BAD_VALUE');
          await expectCode(
            store.insertObservations([sampleRow({ qname: undefined as unknown as string })]), 'KTO_ERR_STORE_BAD_VALUE',
          );
          expect(await store.countObservations()).toBe(0);
          await store.insertObservations([]);
          expect(await store.countObservations()).toBe(0);
        });
      });

      it('one insert is one statement: a payload that fails to parse at its last row stores nothing', async () => {
        await withStore(async (store, database) => {
          // 10,000 rows with 2,500-byte responses: ~28 MB, more than one parsing chunk of the engine
          const raw = new Uint8Array(2_500).map((_, i) => (i * 131) & 0xff);
          const rows = Array.from({ length: 10_000 }, (_, idx) => sampleRow({ idx, raw, observed_at_ms: 1_700_000_000_000 + idx * 1_000 }));
          const payload = encodeObservations(rows);
          const driver = target.openDriver();
          try {
            const broken = Buffer.concat([payload, Buffer.from('not\ta\trow\n')]);
            await expectCode(driver.insertTsv(`${database}.observations`, OBSERVATION_COLUMNS, broken, rows.length + 1), 'KTO_ERR_STORE_QUERY');
            expect(await store.countObservations()).toBe(0);
            await driver.insertTsv(`${database}.observations`, OBSERVATION_COLUMNS, payload, rows.length);
            expect(await store.countObservations()).toBe(rows.length);
          } finally {
            await driver.close();
          }
        });
      });

      /** 3 agents × 4 batches × 160 rows over a month boundary, many rows sharing observed_at_ms. */
      function paginationRows(zone: string): ObservationRow[] {
        const rows: ObservationRow[] = [];
        const start = Date.UTC(2024, 0, 31, 23, 59, 59, 990); // crosses into February: two partitions
        for (const agent of ['agent-b', 'agent-a', 'agent-c']) {
          for (let seq = 1; seq <= 4; seq++) {
            for (let idx = 0; idx < 160; idx++) {
              rows.push(sampleRow({
                zone, agent_id: agent, seq, idx, qtype: idx % 3 === 0 ? 48 : 6,
                observed_at_ms: start + ((idx * 7 + seq * 3) % 40), received_at_ms: start + 1_000 * seq,
              }));
            }
          }
        }
        return rows;
      }

      it('keyset pagination returns every row exactly once, in (observed_at_ms, agent_id, seq, idx) order', async () => {
        await withStore(async (store) => {
          const zone = 'page.example.';
          const rows = paginationRows(zone);
          await store.insertObservations(rows);
          await store.insertObservations([sampleRow({ zone: 'other.example.', observed_at_ms: rows[0]!.observed_at_ms })]);
          const seen: ObservationRow[] = [];
          let after: Key | undefined;
          for (;;) {
            const page = await store.queryObservations(after === undefined ? { zone, limit: 97 } : { zone, limit: 97, after });
            expect(page.length).toBeLessThanOrEqual(97);
            if (page.length === 0) break;
            seen.push(...page);
            expect(seen.length, 'pagination must end').toBeLessThanOrEqual(rows.length);
            const last = page[page.length - 1]!;
            after = { observed_at_ms: last.observed_at_ms, agent_id: last.agent_id, seq: last.seq, idx: last.idx };
          }
          const expected = [...rows].sort(byKey);
          expect(seen.map((r) => [r.observed_at_ms, r.agent_id, r.seq, r.idx])).toEqual(
            expected.map((r) => [r.observed_at_ms, r.agent_id, r.seq, r.idx]),
          );

          const streamed: ObservationRow[] = [];
          let pages = 0;
          for await (const page of store.streamObservations({ zone })) {
            pages++;
            streamed.push(...page);
          }
          expect(pages).toBeGreaterThan(0);
          expect(streamed).toEqual(expected);
          const capped: ObservationRow[] = [];
          for await (const page of store.streamObservations({ zone, limit: 250, qtype: 48 })) capped.push(...page);
          expect(capped).toEqual(expected.filter((r) => r.qtype === 48).slice(0, 250));
        });
      });

      it('filters by time range (from inclusive, to exclusive), agent, server and qtype', async () => {
        await withStore(async (store) => {
          const zone = 'filter.example.';
          // every fifth row asks another server (IPv6, escaped the same as any string)
          const rows = paginationRows(zone).map((r, i) => (i % 5 === 0 ? { ...r, server: '2001:db8::53' } : r));
          await store.insertObservations(rows);
          const times = [...new Set(rows.map((r) => r.observed_at_ms))].sort((a, b) => a - b);
          const fromMs = times[5]!;
          const toMs = times[30]!;
          const cases: { q: { agentId?: string; server?: string; qtype?: number; fromMs?: number; toMs?: number }; keep: (r: ObservationRow) => boolean }[] = [
            { q: { server: '2001:db8::53' }, keep: (r) => r.server === '2001:db8::53' },
            { q: { agentId: 'agent-b', server: '127.0.0.53' }, keep: (r) => r.agent_id === 'agent-b' && r.server === '127.0.0.53' },
            { q: { server: "127.0.0.53' OR '1'='1" }, keep: () => false },
            { q: { fromMs }, keep: (r) => r.observed_at_ms >= fromMs },
            { q: { toMs }, keep: (r) => r.observed_at_ms < toMs },
            { q: { fromMs, toMs }, keep: (r) => r.observed_at_ms >= fromMs && r.observed_at_ms < toMs },
            { q: { agentId: 'agent-c' }, keep: (r) => r.agent_id === 'agent-c' },
            { q: { qtype: 6 }, keep: (r) => r.qtype === 6 },
            {
              q: { agentId: 'agent-a', qtype: 48, fromMs, toMs },
              keep: (r) => r.agent_id === 'agent-a' && r.qtype === 48 && r.observed_at_ms >= fromMs && r.observed_at_ms < toMs,
            },
            { q: { agentId: 'nobody' }, keep: () => false },
          ];
          for (const c of cases) {
            const expected = rows.filter(c.keep).sort(byKey);
            const got = await store.queryObservations({ zone, limit: 10_000, ...c.q });
            expect(got.map((r) => [r.observed_at_ms, r.agent_id, r.seq, r.idx]), JSON.stringify(c.q)).toEqual(
              expected.map((r) => [r.observed_at_ms, r.agent_id, r.seq, r.idx]),
            );
          }
          expect(await store.queryObservations({ zone: 'absent.example.', limit: 10 })).toEqual([]);
          expect(await store.countObservations()).toBe(rows.length);
          expect(await store.countObservations({ zone })).toBe(rows.length);
          expect(await store.countObservations({ agentId: 'agent-b' })).toBe(rows.filter((r) => r.agent_id === 'agent-b').length);
          expect(await store.countObservations({ agentId: 'agent-b', zone: 'absent.example.' })).toBe(0);
          await expectCode(store.queryObservations({ zone, limit: 10, fromMs: -1 }), 'KTO_ERR_STORE_BAD_VALUE');
        });
      });

      it('agentActivity counts observations since a time per agent', async () => {
        await withStore(async (store) => {
          const rows = paginationRows('activity.example.');
          await store.insertObservations(rows);
          const since = [...new Set(rows.map((r) => r.observed_at_ms))].sort((a, b) => a - b)[20]!;
          const expected = new Map<string, { observations: number; last_observed_at_ms: number }>();
          for (const r of rows) {
            if (r.observed_at_ms < since) continue;
            const e = expected.get(r.agent_id) ?? { observations: 0, last_observed_at_ms: 0 };
            e.observations++;
            e.last_observed_at_ms = Math.max(e.last_observed_at_ms, r.observed_at_ms);
            expected.set(r.agent_id, e);
          }
          expect(await store.agentActivity(since)).toEqual(expected);
          expect((await store.agentActivity(Date.UTC(2030, 0, 1))).size).toBe(0);
        });
      });
    });

    describe('analyses', () => {
      it('stores an analysis and reads back the latest one per zone, every column intact', async () => {
        await withStore(async (store) => {
          expect(await store.latestAnalysis('a.example.')).toBeNull();
          expect(await store.latestAnalysisHeader('a.example.')).toBeNull();
          const a = sampleAnalysis('a.example.', 'live', 1_000, 3, 'first');
          await store.putAnalysis(a);
          await store.putAnalysis(sampleAnalysis('b.example.', 'live', 5_000, 1, 'other zone'));
          expect(await store.latestAnalysis('a.example.')).toEqual(a);
          expect(await store.latestAnalysisHeader('a.example.')).toEqual(a.header);
          expect((await store.latestAnalysis('b.example.'))?.header.summary).toBe(JSON.stringify({ label: 'other zone', n: 1 }));
          expect(JSON.parse((await store.latestAnalysis('a.example.'))?.findings[2]?.detail ?? '')).toEqual(JSON.parse(a.findings[2]?.detail ?? ''));
        });
      });

      it('a re-run under the same id replaces it whole, even with fewer items; a later id wins', async () => {
        await withStore(async (store) => {
          await store.putAnalysis(sampleAnalysis('a.example.', 'live', 1_000, 4, 'v1'));
          const v2 = sampleAnalysis('a.example.', 'live', 2_000, 2, 'v2');
          await store.putAnalysis(v2);
          expect(await store.latestAnalysis('a.example.')).toEqual(v2);
          // an older version arriving late changes nothing
          await store.putAnalysis(sampleAnalysis('a.example.', 'live', 1_500, 5, 'stale'));
          expect(await store.latestAnalysis('a.example.')).toEqual(v2);
          expect(await store.latestAnalysisHeader('a.example.')).toEqual(v2.header);
          // an analysis with no items at all
          const empty = sampleAnalysis('a.example.', 'batch', 3_000, 0, 'empty');
          await store.putAnalysis(empty);
          expect(await store.latestAnalysis('a.example.')).toEqual(empty);
          const v3 = sampleAnalysis('a.example.', 'live', 4_000, 1, 'v3');
          await store.putAnalysis(v3);
          expect(await store.latestAnalysis('a.example.')).toEqual(v3);
        });
      });

      it('an analysis with a bad value is refused before anything is written (KTO_ERR_STORE_BAD_VALUE)', async () => {
        await withStore(async (store) => {
          const bad = sampleAnalysis('a.example.', 'live', 1_000, 2);
          (bad.transitions[1] as { algorithms_in: number[] }).algorithms_in = [256];
          const err = await expectCode(store.putAnalysis(bad), 'KTO_ERR_STORE_BAD_VALUE');
          expect(err.message).toContain('algorithms_in');
          expect(await store.latestAnalysis('a.example.')).toBeNull();
        });
      });
    });

    describe('batch ledger', () => {
      const entry = (agent: string, seq: number, storedAt: number, extra: Partial<BatchLedgerEntry> = {}): BatchLedgerEntry => ({
        agent_id: agent, seq, rows: 10 * seq, body_sha256: randomBytes(32).toString('hex'), created_at_ms: storedAt - 500,
        stored_at_ms: storedAt, ...extra,
      });

      it('max seq per agent, get, latest stored_at wins, last stored time', async () => {
        await withStore(async (store) => {
          expect(await store.ledgerMaxSeq()).toEqual(new Map());
          expect(await store.ledgerLastStoredAt()).toBe(0);
          const entries = [entry('a', 1, 1_000), entry('a', 2, 2_000), entry('b', 7, 1_500), entry('a', 9, 1_800)];
          await store.insertLedger(entries.slice(0, 2));
          await store.insertLedger(entries.slice(2));
          expect(await store.ledgerMaxSeq()).toEqual(new Map([['a', 9], ['b', 7]]));
          expect(await store.ledgerGet('b', 7)).toEqual(entries[2]);
          expect(await store.ledgerGet('b', 8)).toBeNull();
          expect(await store.ledgerGet('c', 7)).toBeNull();
          expect(await store.ledgerLastStoredAt()).toBe(2_000);
          const newer = entry('b', 7, 3_000, { rows: 1 });
          await store.insertLedger([newer]);
          await store.insertLedger([entry('b', 7, 2_500, { rows: 2 })]); // older version, inserted later
          expect(await store.ledgerGet('b', 7)).toEqual(newer);
          expect(await store.ledgerLastStoredAt()).toBe(3_000);
          await expectCode(store.insertLedger([entry('a', 3, -5)]), 'KTO_ERR_STORE_BAD_VALUE');
        });
      });

      it('reconcileLedger recovers batches stored without a ledger row (crash between the two inserts)', async () => {
        await withStore(async (store) => {
          const row = (agent: string, seq: number, idx: number, receivedAt: number): ObservationRow =>
            sampleRow({ agent_id: agent, seq, idx, received_at_ms: receivedAt, observed_at_ms: receivedAt - 2_000 });
          const batches = [
            { agent: 'a', seq: 1, n: 3, at: 10_000, ledger: true },
            { agent: 'a', seq: 2, n: 4, at: 20_000, ledger: false },
            { agent: 'b', seq: 5, n: 2, at: 25_000, ledger: false },
            { agent: 'b', seq: 4, n: 6, at: 5_000, ledger: false }, // received before `since`
          ];
          for (const b of batches) {
            const rows = Array.from({ length: b.n }, (_, i) => row(b.agent, b.seq, i, b.at + i));
            await store.insertObservations(rows);
            if (b.ledger) await store.insertLedger([entry(b.agent, b.seq, b.at + 100, { rows: b.n })]);
          }
          const since = 8_000;
          const missing = batches.filter((b) => !b.ledger && b.at >= since);
          expect(await store.reconcileLedger(since)).toBe(missing.length);
          for (const b of missing) {
            expect(await store.ledgerGet(b.agent, b.seq)).toEqual({
              agent_id: b.agent, seq: b.seq, rows: b.n, body_sha256: '', created_at_ms: 0, stored_at_ms: b.at + b.n - 1,
            });
          }
          expect(await store.ledgerGet('b', 4)).toBeNull();
          expect((await store.ledgerGet('a', 1))?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(await store.reconcileLedger(since)).toBe(0);
          expect(await store.ledgerMaxSeq()).toEqual(new Map([['a', 2], ['b', 5]]));
        });
      });
      it('storedIndexes tells which rows of which batches landed (retry after an ambiguous failure)', async () => {
        await withStore(async (store) => {
          const row = (agent: string, seq: number, idx: number, receivedAt: number): ObservationRow =>
            sampleRow({ agent_id: agent, seq, idx, received_at_ms: receivedAt, observed_at_ms: receivedAt - 2_000 });
          await store.insertObservations([row('a', 1, 0, 50_000), row('a', 1, 1, 50_000), row('a', 1, 2, 50_000)]);
          await store.insertObservations([row('b', 7, 1, 50_000)]);
          await store.insertObservations([row('a', 2, 0, 10_000)]); // received before `since`
          const found = await store.storedIndexes(
            [{ agent_id: 'a', seq: 1 }, { agent_id: 'b', seq: 7 }, { agent_id: 'a', seq: 2 }, { agent_id: 'c', seq: 1 }], 40_000);
          expect(new Map([...found].map(([k, v]) => [k, [...v].sort((x, y) => x - y)]))).toEqual(
            new Map([['a/1', [0, 1, 2]], ['b/7', [1]]]));
          expect((await store.storedIndexes([], 0)).size).toBe(0);
        });
      });
    });

    describe('agents, enrolment tokens, zones', () => {
      const agent = (id: string, updatedAt: number, extra: Partial<AgentRecord> = {}): AgentRecord => ({
        agent_id: id, public_key: randomBytes(32).toString('hex'), country: 'DE', continent: 'EU', asn: 3_320,
        name: `probe ${id} — "quoted" \\ 'x'`, enrolled_at_ms: 1_000, revoked: 0, revoked_at_ms: 0, updated_at_ms: updatedAt,
        ...extra,
      });

      it('agents: the latest version wins, whatever the insert order', async () => {
        await withStore(async (store) => {
          expect(await store.getAgent('x')).toBeNull();
          expect(await store.listAgents()).toEqual([]);
          const v1 = agent('x', 1_000);
          const v2 = { ...v1, revoked: 1, revoked_at_ms: 5_000, updated_at_ms: 5_000 };
          const other = agent('m', 2_000, { country: '', name: '' });
          await store.upsertAgent(v1);
          await store.upsertAgent(v2);
          await store.upsertAgent({ ...v1, name: 'stale', updated_at_ms: 4_999 });
          await store.upsertAgent(other);
          expect(await store.getAgent('x')).toEqual(v2);
          expect(await store.listAgents()).toEqual([other, v2]);
        });
      });

      it('enrolment tokens and their uses', async () => {
        await withStore(async (store) => {
          const sha = randomBytes(32).toString('hex');
          expect(await store.getEnrolmentToken(sha)).toBeNull();
          expect(await store.enrolmentTokenUses(sha)).toBe(0);
          const token = { token_sha256: sha, label: 'lab ✓', created_at_ms: 1_000, expires_at_ms: 0, max_uses: 0 };
          await store.putEnrolmentToken(token);
          expect(await store.getEnrolmentToken(sha)).toEqual(token);
          const relabelled = { ...token, label: 'relabelled', expires_at_ms: 9_000, max_uses: 3 };
          await store.putEnrolmentToken(relabelled);
          expect(await store.getEnrolmentToken(sha)).toEqual(relabelled);
          await store.recordEnrolmentUse(sha, 'agent-1', 2_000);
          await store.recordEnrolmentUse(sha, 'agent-2', 2_100);
          await store.recordEnrolmentUse(sha, 'agent-1', 2_200);
          await store.recordEnrolmentUse('f'.repeat(64), 'agent-3', 2_300);
          expect(await store.enrolmentTokenUses(sha)).toBe(2);
          expect(await store.enrolmentTokenUses('0'.repeat(64))).toBe(0);
        });
      });

      it('zones: latest version wins, removed zones are hidden, canonical order (RFC 4034 §6.1 example)', async () => {
        await withStore(async (store) => {
          // RFC 4034 §6.1 lists these names in canonical order (lower-cased here, as zones are stored).
          const canonical = [
            'example.', 'a.example.', 'yljkjljk.a.example.', 'z.a.example.', 'zabc.a.example.', 'z.example.',
            '\\001.z.example.', '*.z.example.', '\\200.z.example.',
          ];
          const zone = (name: string, updatedAt: number, extra: Partial<ZoneRecord> = {}): ZoneRecord => ({
            zone: name, interval_s: 300, qtypes: [48, 43, 6], query_authoritatives: 1, added_at_ms: 1_000, removed: 0,
            updated_at_ms: updatedAt, ...extra,
          });
          // inserted in code-unit order, which is not the canonical one
          for (const [i, name] of [...canonical].sort().entries()) await store.putZone(zone(name, 1_000 + i));
          // 'z.example.' removed, then a stale re-add (older version) inserted later: stays removed
          await store.putZone(zone('z.example.', 9_000, { removed: 1 }));
          await store.putZone(zone('z.example.', 8_000));
          // 'a.example.' removed and added back with new settings
          await store.putZone(zone('a.example.', 9_000, { removed: 1 }));
          await store.putZone(zone('a.example.', 9_500, { interval_s: 60, qtypes: [] }));
          const got = await store.listZones();
          expect(got.map((z) => z.zone)).toEqual(canonical.filter((n) => n !== 'z.example.'));
          expect(got.find((z) => z.zone === 'a.example.')).toEqual(zone('a.example.', 9_500, { interval_s: 60, qtypes: [] }));
        });
      });
    });

    describe('errors', () => {
      it('a statement the store refuses is KTO_ERR_STORE_QUERY (tables of an unmigrated database)', async () => {
        const store = await target.open(uniqueDatabase(label));
        try {
          const err = await expectCode(store.countObservations(), 'KTO_ERR_STORE_QUERY');
          expect(typeof (err as { details?: { clickhouseCode?: unknown } }).details?.clickhouseCode).toBe('number');
          await expectCode(store.insertObservations([sampleRow()]), 'KTO_ERR_STORE_QUERY');
        } finally {
          await store.close();
        }
      });

      it('a closed store answers KTO_ERR_STORE_CLOSED and ping() false', async () => {
        const store = await target.open(uniqueDatabase(label));
        await store.migrate();
        expect(await store.ping()).toBe(true);
        await store.close();
        await store.close();
        expect(await store.ping()).toBe(false);
        await expectCode(store.insertObservations([sampleRow()]), 'KTO_ERR_STORE_CLOSED');
        await expectCode(store.listZones(), 'KTO_ERR_STORE_CLOSED');
        await expectCode(store.migrate(), 'KTO_ERR_STORE_CLOSED');
      });

      const openUnreachable = target.openUnreachable;
      if (openUnreachable !== undefined) {
        it('an unreachable server is KTO_ERR_STORE_UNAVAILABLE (retryable)', async () => {
          const store = await openUnreachable();
          try {
            expect(await store.ping()).toBe(false);
            const err = await expectCode(store.insertObservations([sampleRow()]), 'KTO_ERR_STORE_UNAVAILABLE');
            expect((err as { details?: { retryable?: unknown } }).details?.retryable).toBe(true);
            await expectCode(store.migrate(), 'KTO_ERR_STORE_UNAVAILABLE');
            await expectCode(store.ledgerMaxSeq(), 'KTO_ERR_STORE_UNAVAILABLE');
          } finally {
            await store.close();
          }
        });
      }

      it('openStore rejects bad options with KTO_ERR_STORE_BAD_OPTIONS', async () => {
        await expectCode(openStore({ mode: target.mode, dataDir: '/nonexistent', url: 'http://127.0.0.1:1', database: 'bad-name' } as never), 'KTO_ERR_STORE_BAD_OPTIONS');
        await expectCode(openStore({ mode: target.mode, dataDir: '/x', url: 'http://x', database: 'a;DROP' } as never), 'KTO_ERR_STORE_BAD_OPTIONS');
        await expectCode(openStore({ mode: 'sqlite' } as never), 'KTO_ERR_STORE_BAD_OPTIONS');
        await expectCode(openStore({ mode: 'server', url: 'ftp://127.0.0.1/' }), 'KTO_ERR_STORE_BAD_OPTIONS');
        await expectCode(openStore({ mode: 'chdb', dataDir: '' }), 'KTO_ERR_STORE_BAD_OPTIONS');
      });
    });
  });
}
