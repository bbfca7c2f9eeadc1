#!/usr/bin/env node
// The re-fold stall: how long the collector's writer stops flushing while it re-folds one vantage point
// (reads its stored rows, folds them afresh, writes its runs rebuilt: ingest/writer.ts, runs/rebuild.ts)
// after a flush met a late row of it, on embedded chdb, for vantage points of 10k, 100k and 600k rows
// (a year at a 5-minute cadence x 6 qtypes is ~630k). Needs the build (`npx tsc -b packages/collector`).
// One JSON line.
//
//   node bench/collector-refold.mjs [--sizes 10000,100000,600000] [--others 0]
//
// Seeding (not timed): per size, a zone of its own holding one resolver vantage point (agent-000 asking
// 127.0.0.53) that asked DNSKEY, SOA, DS, CDS, CDNSKEY and CSYNC every 5 minutes: a ZSK roll every 91
// days, DNSKEY and DS RRSIGs re-made weekly, a new SOA serial (and RRSIG) daily; every row carries a real
// DNS answer (RIPE Atlas, 200-500 bytes) as its raw bytes, as stored rows do. Inserted with
// Store.insertObservations in 10,000-row calls, folded by a RunFolder and stored as runs. `--others K`
// adds K other agents' copies of those rows to the zone (server-side INSERT ... SELECT): the rows of one
// vantage point are read by (zone, agent_id, server), which is not the observations sort key's prefix
// after zone, so the read scans the zone's rows.
//
// Timed, per size:
//   refold      a BatchWriter (50 ms flush delay) gets one batch with a late row of the vantage point
//               (older than its last row): the flush stores it and counts it late, then the writer
//               re-folds the vantage point; refold_ms is the writer's own measure (its info log).
//   stall       a batch of another vantage point submitted as soon as the late batch is acknowledged:
//               its acknowledgement waits for the re-fold (ack_ms; with no re-fold it is ~ the 50 ms delay).
//   parts       the re-fold's steps alone, one after another: read (Store.streamObservations of the
//               vantage point), fold (RunFolder over those rows in memory), write (Store.insertRuns).
// The result is checked: the vantage point's stored runs hold every row and no late one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NO_RECORDS, atlasAnswers, rrsigColumns } from './lib/synthetic-rows.mjs';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '10000,100000,600000' }, others: { type: 'string', default: '0' } },
});
const SIZES = args.sizes.split(',').filter((s) => s !== '').map(Number);
const OTHERS = Number(args.others);

const repo = fileURLToPath(new URL('..', import.meta.url));
const load = (p) => import(pathToFileURL(join(repo, p)).href);
let collector, writerMod, options, metricsMod, chdbStore, rowCodec;
try {
  collector = await load('packages/collector/dist/index.js');
  writerMod = await load('packages/collector/dist/ingest/writer.js');
  options = await load('packages/collector/dist/options.js');
  metricsMod = await load('packages/collector/dist/metrics.js');
  chdbStore = await load('packages/collector/dist/storage/chdb-store.js');
  rowCodec = await load('packages/collector/dist/storage/rows.js');
} catch (err) {
  console.error(`bench/collector-refold: cannot load the build (npx tsc -b packages/collector): ${err.message}`);
  process.exit(1);
}
const { openStore, RunFolder } = collector;
const { BatchWriter } = writerMod;

const START = Date.UTC(2025, 0, 1);
const TICK = 300_000;
const PER_DAY = 86_400_000 / TICK;
const QTYPES = [48, 6, 43, 59, 60, 62]; // DNSKEY SOA DS CDS CDNSKEY CSYNC
const AGENT = 'agent-000';
const SERVER = '127.0.0.53';
const FLUSH_DELAY_MS = 50;

const ANSWERS = atlasAnswers(repo);

const NONE = { ...NO_RECORDS };

function rrsig(zone, covered, tag, ttl, day) {
  return rrsigColumns(zone, covered, tag, ttl, START + day * 86_400_000, { check: 'valid' });
}

/** The answer of one qtype on one day (content changes as described above). */
function contentOf(zone, qtype, day) {
  const q = Math.floor(day / 91);
  const zsk = 2000 + q;
  if (qtype === 48) {
    const tags = [1000, zsk];
    const week = day - (day % 7);
    return {
      ...NONE, ...rrsig(zone, 48, 1000, 3600, week), dnskey_flags: [257, 256], dnskey_protocols: [3, 3], dnskey_algorithms: [13, 13],
      dnskey_key_tags: tags, dnskey_key_hashes: tags.map((t) => t.toString(16).padStart(16, '0')), dnskey_key_bits: [256, 256],
    };
  }
  if (qtype === 6) return { ...NONE, ...rrsig(zone, 6, zsk, 3600, day), soa_serial: 2_025_000_000 + day };
  if (qtype === 43) {
    return {
      ...NONE, ...rrsig(zone, 43, 5555, 86_400, day - (day % 7)), ds_key_tags: [1000], ds_algorithms: [13], ds_digest_types: [2],
      ds_digests: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    };
  }
  return NONE; // NODATA
}

function row(zone, agent, server, t, j, seq) {
  const qtype = QTYPES[j];
  const day = Math.floor(t / PER_DAY);
  const observed = START + t * TICK + j * 100;
  return {
    agent_id: agent, seq, idx: j, received_at_ms: observed + 2_000, country: 'DE', continent: 'EU', asn: 64500,
    vantage_kind: 'resolver', server, server_port: 53, server_name: '', family: 4, transport: 'udp', tc_retry: 0,
    zone, qname: zone, qtype, do_bit: 1, cd_bit: 0, edns_udp_size: 1232, observed_at_ms: observed, rtt_us: 20_000,
    status: 'ok', error: '', rcode: 0, header_flags: 0x81a0, aa: 0, tc: 0, ad: 1, ede_codes: [], ede_texts: [], attempts: 1,
    raw: ANSWERS[(j * 7 + day) % ANSWERS.length], answer_ttl: 3600 - ((t * 300) % 3600), ns_hosts: [], csync_serial: 0, csync_flags: 0, csync_types: [],
    ...contentOf(zone, qtype, day),
  };
}

/** Stores `n` rows of the vantage point (and their runs, as ingest leaves them), plus `others` agents' copies. */
async function seed(store, driver, db, zone, n) {
  const ticks = Math.ceil(n / QTYPES.length);
  const folder = new RunFolder();
  let stored = 0;
  let chunk = [];
  const flush = async () => {
    await store.insertObservations(chunk);
    const folded = folder.fold(chunk, folder.nextVersion(Date.now()));
    await store.insertRuns(folded.runs, folded.samples, folded.extended);
    stored += chunk.length;
    chunk = [];
  };
  for (let t = 0; t < ticks && stored + chunk.length < n; t++) {
    for (let j = 0; j < QTYPES.length && stored + chunk.length < n; j++) chunk.push(row(zone, AGENT, SERVER, t, j, t + 1));
    if (chunk.length >= 10_000) await flush();
  }
  if (chunk.length > 0) await flush();
  if (OTHERS > 0) {
    const cols = rowCodec.OBSERVATION_COLUMNS;
    const select = cols.map((c) => (c === 'agent_id' ? "concat('other-', toString(k)) AS agent_id" : c)).join(', ');
    await driver.command(`INSERT INTO ${db}.observations (${cols.join(', ')}) SELECT ${select} FROM ${db}.observations ` +
      `ARRAY JOIN range(1, ${OTHERS + 1}) AS k WHERE zone = '${zone}' AND agent_id = '${AGENT}'`);
  }
  return { rows: stored, lastTick: ticks - 1 };
}

async function measure(store, driver, db, n) {
  const zone = `refold-${n}.bench.`;
  const s0 = performance.now();
  const seeded = await seed(store, driver, db, zone, n);
  const seedMs = performance.now() - s0;

  // the re-fold through the writer, and the ack of a batch that waits behind it
  const lines = [];
  const at = (level) => (obj, msg) => lines.push({ level, obj, msg });
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug() {}, trace() {}, fatal: at('fatal'), child() { return logger; } };
  const metrics = new metricsMod.CollectorMetrics();
  const w = new BatchWriter(store, options.resolveInsert({ maxDelayMs: FLUSH_DELAY_MS }), { now: () => Date.now(), runs: new RunFolder(), metrics, logger });
  const mid = Math.floor(seeded.lastTick / 2);
  const lateRow = { ...row(zone, AGENT, SERVER, mid, 0, 10_000_000), received_at_ms: Date.now() };
  const onTime = row(zone, 'agent-001', SERVER, seeded.lastTick, 0, 1);
  const draft = (agent, seq) => ({ agent_id: agent, seq, rows: 1, body_sha256: `${seq}`.padStart(64, '0'), created_at_ms: Date.now() });
  // a first batch of the vantage point on time: the writer's folder loads its runs, as a running collector holds them
  await w.submit([row(zone, AGENT, SERVER, seeded.lastTick + 1, 0, seeded.lastTick + 2)], draft(AGENT, 1));
  const t0 = performance.now();
  await w.submit([lateRow], draft(AGENT, 2));
  const lateAckMs = performance.now() - t0;
  const t1 = performance.now();
  await w.submit([onTime], draft('agent-001', 1));
  const ackMs = performance.now() - t1;
  while (w.refoldsQueued > 0) await new Promise((r) => setTimeout(r, 10));
  await w.close();
  const done = lines.find((l) => l.msg === 'vantage point re-folded');
  if (done === undefined) throw new Error(`no re-fold logged for ${zone}: ${JSON.stringify(lines.map((l) => l.msg))}`);
  const vantageRows = seeded.rows + 2;

  // the parts alone
  const p0 = performance.now();
  const rows = [];
  for await (const page of store.streamObservations({ zone, agentId: AGENT, server: SERVER })) for (const r of page) rows.push(r);
  const p1 = performance.now();
  const folder = new RunFolder(Number.POSITIVE_INFINITY);
  const version = folder.nextVersion(Date.now() + 1_000);
  const runs = new Set();
  const samples = [];
  for (let i = 0; i < rows.length; i += 10_000) {
    const f = folder.fold(rows.slice(i, i + 10_000), version);
    for (const r of f.runs) runs.add(r);
    for (const x of f.samples) samples.push(x);
  }
  const p2 = performance.now();
  await store.insertRuns([...runs], samples);
  const p3 = performance.now();

  // check: the vantage point's runs hold every row, none late
  const current = [];
  for await (const chunk of store.streamRuns({ zone })) for (const r of chunk) current.push(r);
  const v = current.filter((r) => r.kind === 'vantage' && r.agent_id === AGENT);
  const checkOk = v.length === 1 && v[0].late === 0 && v[0].observations === vantageRows && rows.length === vantageRows;
  if (!checkOk) console.error(`bench/collector-refold: ${zone}: runs do not cover the rows: ${JSON.stringify(v.map((r) => [r.observations, r.late]))} of ${vantageRows}`);
  return {
    rows: vantageRows, zone_rows: seeded.rows * (OTHERS + 1) + 3, runs: done.obj.runs,
    refold_ms: done.obj.ms, refold_rows_per_s: Math.round(vantageRows / (done.obj.ms / 1000)),
    late_batch_ack_ms: Math.round(lateAckMs), ack_behind_refold_ms: Math.round(ackMs),
    parts_ms: { read: Math.round(p1 - p0), fold: Math.round(p2 - p1), write: Math.round(p3 - p2) },
    read_rows_per_s: Math.round(rows.length / ((p1 - p0) / 1000)),
    seed_ms: Math.round(seedMs), check_ok: checkOk,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kto-bench-refold-'));
const dataDir = join(dir, 'chdb');
const DB = 'kto_bench';
const store = await openStore({ mode: 'chdb', dataDir, database: DB });
const driver = chdbStore.openChdbDriver(dataDir);
try {
  await store.migrate();
  const results = [];
  for (const n of SIZES) results.push(await measure(store, driver, DB, n));
  console.log(JSON.stringify({
    bench: 'collector-refold', store: 'chdb', qtypes: QTYPES.length, cadence_s: TICK / 1000, others_in_zone: OTHERS,
    flush_delay_ms: FLUSH_DELAY_MS, raw_bytes: '200-500 (RIPE Atlas answers)', sizes: results,
    check_ok: results.every((r) => r.check_ok),
  }));
} finally {
  await store.close();
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
}
