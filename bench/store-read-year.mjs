#!/usr/bin/env node
// Reading a zone's year of history from the store for analysis (issue 4: < 1 s). A chdb store is seeded
// with one zone's year: 100 resolver vantage points plus 2 authoritative servers, a 5-minute cadence,
// the six qtypes an agent asks by default (DNSKEY, SOA, DS, CDS, CDNSKEY, CSYNC), a quarterly ZSK roll
// (pre-publish, 7 days each side), DNSKEY and DS RRSIGs re-made weekly, a new SOA serial (and RRSIG)
// daily; each resolver sees every change 0-55 minutes late (its cache). About 64 M rows.
//
// Seeding (not timed): the answers are described as content periods (one per series and content);
// the rows are generated server-side from them (INSERT ... SELECT ... ARRAY JOIN range(from, to)), and
// the runs by the collector's own fold (RunFolder) over the same rows generated in JS, in time order,
// as the writer folds them at ingest, and stored as ingest leaves them: every run's whole row (`runs`)
// and its extent (`run_extents`, migration 0013). A small zone seeded the same way checks that the two agree: its
// analysis from runs must equal its analysis from rows (`check_equal`).
//
// Timed: (a) the run path, analyzeZoneFromRuns (read the year's runs, fetch the raw samples, build the
// RunSet, analyse); (b) the row path, readZoneRows + analyzeZone, on a slice of `--slice-days` days,
// scaled to the year. Needs the build (`npx tsc -b packages/collector packages/analyzer`). One JSON line.
//
// Rows outside the measured slice carry raw bytes only where a run starts (the bytes the run path reads):
// writing ~20 GB of raw answers would make seeding take many minutes and changes nothing the run path
// reads; the slice the row path reads carries raw bytes on every row, as stored rows do.
//
//   node bench/store-read-year.mjs [--days 365] [--vps 100] [--slice-days 2] [--repeat 3] [--data-dir D]
//
// --data-dir keeps the seeded store in D and reuses it on the next run with the same sizes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NO_RECORDS, atlasAnswers, rrsigColumns } from './lib/synthetic-rows.mjs';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '365' }, vps: { type: 'string', default: '100' },
    'slice-days': { type: 'string', default: '2' }, repeat: { type: 'string', default: '3' }, 'data-dir': { type: 'string' },
  },
});
const DAYS = Number(args.days);
const RESOLVERS = Number(args.vps);
const SLICE_DAYS = Number(args['slice-days']);
const REPEAT = Number(args.repeat);

const repo = fileURLToPath(new URL('..', import.meta.url));
const load = (p) => import(pathToFileURL(join(repo, p)).href);
let collector, chdbStore, rowCodec, escape, storedRuns, analyzer, batch;
try {
  collector = await load('packages/collector/dist/index.js');
  chdbStore = await load('packages/collector/dist/storage/chdb-store.js');
  rowCodec = await load('packages/collector/dist/storage/rows.js');
  escape = await load('packages/collector/dist/storage/escape.js');
  storedRuns = await load('packages/analyzer/dist/stored-runs.js');
  analyzer = await load('packages/analyzer/dist/index.js');
  batch = await load('packages/analyzer/dist/batch/index.js');
} catch (err) {
  console.error(`bench/store-read-year: cannot load the build (npx tsc -b packages/collector packages/analyzer): ${err.message}`);
  process.exit(1);
}
const { openStore, RunFolder } = collector;
const { TsvWriter } = escape;

const START = Date.UTC(2026, 0, 1);
const TICK = 300_000;
const PER_DAY = 86_400_000 / TICK;
const QTYPES = [48, 6, 43, 59, 60, 62]; // DNSKEY SOA DS CDS CDNSKEY CSYNC
const TTL = { 48: 3600, 6: 3600, 43: 86_400 };
const KSK = { tag: 1000, hash: '00000000000003e8', flags: 257 };
const zsk = (q) => ({ tag: 2000 + q, hash: (0x7d0 + q).toString(16).padStart(16, '0'), flags: 256 });
const PARENT_ZSK = 5555;

const ANSWERS = atlasAnswers(repo);

const EMPTY = { ...NO_RECORDS, ttl: 0 };

function rrsig(zone, covered, tag, ttl, inceptionMs, labels = 2) {
  return rrsigColumns(zone, covered, tag, ttl, inceptionMs, { labels });
}

/** The ZSKs published on a day, and the active (signing) one: a roll every 91 days, 7 days each side. */
function zskAt(day) {
  const q = Math.floor(day / 91);
  const published = [zsk(q)];
  if (day % 91 >= 84) published.push(zsk(q + 1)); // pre-publish of the next
  if (q > 0 && day % 91 < 7) published.unshift(zsk(q - 1)); // retention of the previous
  return { published, active: zsk(q) };
}

/** Authoritative-time content periods of one qtype: [{ from (tick), content }]. */
function authPeriods(zone, qtype, auth, ticks) {
  const out = [];
  const days = Math.ceil(ticks / PER_DAY);
  if (qtype === 48) {
    let prevKey = '';
    for (let day = 0; day < days; day++) {
      const { published } = zskAt(day);
      const key = published.map((k) => k.tag).join(',');
      if (day % 7 !== 0 && key === prevKey) continue;
      prevKey = key;
      const keys = [KSK, ...published];
      out.push({
        from: day * PER_DAY,
        content: {
          ...EMPTY, ...rrsig(zone, 48, KSK.tag, TTL[48], START + day * 86_400_000, 1), ttl: TTL[48],
          dnskey_flags: keys.map((k) => k.flags), dnskey_protocols: keys.map(() => 3), dnskey_algorithms: keys.map(() => 13),
          dnskey_key_tags: keys.map((k) => k.tag), dnskey_key_hashes: keys.map((k) => k.hash), dnskey_key_bits: keys.map(() => 256),
        },
      });
    }
  } else if (qtype === 6) {
    for (let day = 0; day < days; day++) {
      out.push({ from: day * PER_DAY, content: { ...EMPTY, ...rrsig(zone, 6, zskAt(day).active.tag, TTL[6], START + day * 86_400_000, 1), ttl: TTL[6], soa_serial: 2_026_000_000 + day } });
    }
  } else if (qtype === 43 && !auth) {
    for (let day = 0; day < days; day = day === 0 ? 3 : day + 7) {
      out.push({
        from: day * PER_DAY,
        content: {
          ...EMPTY, ...rrsig(zone, 43, PARENT_ZSK, TTL[43], START + day * 86_400_000, 1), ttl: TTL[43],
          ds_key_tags: [KSK.tag], ds_algorithms: [13], ds_digest_types: [2], ds_digests: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
        },
      });
    }
  } else {
    out.push({ from: 0, content: EMPTY }); // NODATA: DS at the child's own servers, CDS, CDNSKEY, CSYNC
  }
  return out;
}

/** Vantage points: resolvers (lagging 0-11 ticks behind by their cache) and 2 authoritative servers. */
function vantages(n) {
  const out = [];
  for (let v = 0; v < n; v++) {
    out.push({ v, agent: `agent-${String(v).padStart(3, '0')}`, server: '127.0.0.53', kind: 'resolver', serverName: '', lag: (v * 7) % 12,
      country: ['DE', 'US', 'JP', 'BR', 'ZA'][v % 5], continent: ['EU', 'NA', 'AS', 'SA', 'AF'][v % 5] });
  }
  for (let a = 0; a < 2; a++) {
    out.push({ v: n + a, agent: 'agent-auth', server: `192.0.2.${a + 1}`, kind: 'authoritative', serverName: `ns${a + 1}.bench.`, lag: 0, country: 'NL', continent: 'EU' });
  }
  return out;
}

/** Periods per vantage point and qtype: [from, to) ticks of one content, shifted by the cache lag. */
function seriesPeriods(zone, vps, ticks) {
  const auth = new Map();
  const out = [];
  for (const vp of vps) {
    for (let j = 0; j < QTYPES.length; j++) {
      const qtype = QTYPES[j];
      const key = `${qtype}|${vp.kind}`;
      if (!auth.has(key)) auth.set(key, authPeriods(zone, qtype, vp.kind === 'authoritative', ticks));
      const ps = auth.get(key);
      const list = [];
      for (let k = 0; k < ps.length; k++) {
        const from = k === 0 ? 0 : Math.min(ticks, ps[k].from + vp.lag);
        const to = k + 1 < ps.length ? Math.min(ticks, ps[k + 1].from + vp.lag) : ticks;
        if (to > from) list.push({ from, to, content: ps[k].content, raw: ANSWERS[(j * 7 + k) % ANSWERS.length] });
      }
      out.push({ vp, j, qtype, periods: list });
    }
  }
  return out;
}

const observedAt = (vp, t) => START + t * TICK + vp.v * 1000;
const answerTtl = (vp, content, t) => (content.ttl === 0 || vp.kind === 'authoritative' ? content.ttl : content.ttl - ((t * 300 + vp.v * 37) % content.ttl));

const PERIOD_COLUMNS = [
  'v', 'j', 'from_tick', 'to_tick', 'agent_id', 'server', 'vantage_kind', 'server_name', 'country', 'continent', 'qtype', 'raw', 'soa_serial', 'ttl',
  'dnskey_flags', 'dnskey_protocols', 'dnskey_algorithms', 'dnskey_key_tags', 'dnskey_key_hashes', 'dnskey_key_bits',
  'ds_key_tags', 'ds_algorithms', 'ds_digest_types', 'ds_digests',
  'rrsig_type_covered', 'rrsig_algorithms', 'rrsig_labels', 'rrsig_original_ttls', 'rrsig_inceptions', 'rrsig_expirations',
  'rrsig_key_tags', 'rrsig_signers', 'rrsig_ttls', 'rrsig_checks',
];
const NUM_ARRAYS = new Set(['dnskey_flags', 'dnskey_protocols', 'dnskey_algorithms', 'dnskey_key_tags', 'dnskey_key_bits', 'ds_key_tags', 'ds_algorithms',
  'ds_digest_types', 'rrsig_type_covered', 'rrsig_algorithms', 'rrsig_labels', 'rrsig_original_ttls', 'rrsig_inceptions', 'rrsig_expirations', 'rrsig_key_tags', 'rrsig_ttls']);

function encodePeriods(series) {
  const w = new TsvWriter(1 << 20);
  for (const s of series) {
    for (const p of s.periods) {
      const c = p.content;
      const vp = s.vp;
      w.uint(vp.v, 0xffff, 'v'); w.tab(); w.uint(s.j, 0xff, 'j'); w.tab(); w.uint(p.from, 0xffffffff, 'from'); w.tab(); w.uint(p.to, 0xffffffff, 'to'); w.tab();
      w.string(vp.agent, 'agent'); w.tab(); w.string(vp.server, 'server'); w.tab(); w.string(vp.kind, 'kind'); w.tab(); w.string(vp.serverName, 'sn'); w.tab();
      w.string(vp.country, 'country'); w.tab(); w.string(vp.continent, 'continent'); w.tab(); w.uint(s.qtype, 0xffff, 'qtype'); w.tab();
      w.bytes(p.raw, 'raw'); w.tab(); w.uint(c.soa_serial, 0xffffffff, 'soa'); w.tab(); w.uint(c.ttl, 0xffffffff, 'ttl');
      for (const col of PERIOD_COLUMNS.slice(14)) {
        w.tab();
        if (NUM_ARRAYS.has(col)) w.uintArray(c[col], Number.MAX_SAFE_INTEGER, col);
        else w.stringArray(c[col], col);
      }
      w.newline();
    }
  }
  return w.finish();
}

/** Rows generated server-side from the periods: the same rows `foldRows` generates in JS. */
function insertRowsSql(db, zone, slice, fromTick, toTick) {
  const cols = rowCodec.OBSERVATION_COLUMNS;
  const expr = {
    agent_id: 'agent_id', seq: 't', idx: 'j', received_at_ms: `${START} + t * ${TICK} + v * 1000 + 2000`,
    country: 'country', continent: 'continent', asn: '64500', vantage_kind: 'vantage_kind', server: 'server', server_port: '53',
    server_name: 'server_name', family: '4', transport: "'udp'", tc_retry: '0', zone: `'${zone}'`, qname: `'${zone}'`, qtype: 'qtype',
    do_bit: '1', cd_bit: '0', edns_udp_size: '1232', observed_at_ms: `${START} + t * ${TICK} + v * 1000`, rtt_us: '20000',
    status: "'ok'", error: "''", rcode: '0', header_flags: '33152', aa: "vantage_kind = 'authoritative'", tc: '0', ad: "vantage_kind = 'resolver'",
    ede_codes: 'CAST([] AS Array(UInt16))', ede_texts: 'CAST([] AS Array(String))', attempts: '1',
    answer_ttl: `if(ttl = 0 OR vantage_kind = 'authoritative', ttl, ttl - ((t * 300 + v * 37) % greatest(ttl, 1)))`, soa_serial: 'soa_serial',
    raw: `if(t = from_tick OR (t >= ${slice.from} AND t < ${slice.to}), raw, '')`,
    ns_hosts: 'CAST([] AS Array(String))', csync_serial: '0', csync_flags: '0', csync_types: 'CAST([] AS Array(UInt16))',
  };
  const select = cols.map((c) => expr[c] ?? c).join(', ');
  return `INSERT INTO ${db}.observations (${cols.join(', ')}) SELECT ${select} FROM ${db}.bench_periods ` +
    `ARRAY JOIN range(greatest(from_tick, ${fromTick}), least(to_tick, ${toTick})) AS t WHERE from_tick < ${toTick} AND to_tick > ${fromTick}`;
}

/** The collector's fold over the same rows, in time order, one poll (all vantage points) at a time. */
function foldRows(zone, series, ticks, version, slice) {
  const folder = new RunFolder(Number.POSITIVE_INFINITY);
  const rows = [];
  const state = [];
  for (const s of series) {
    const vp = s.vp;
    const row = {
      agent_id: vp.agent, seq: 0, idx: s.j, received_at_ms: 0, country: vp.country, continent: vp.continent, asn: 64500,
      vantage_kind: vp.kind, server: vp.server, server_port: 53, server_name: vp.serverName, family: 4, transport: 'udp', tc_retry: 0,
      zone, qname: zone, qtype: s.qtype, do_bit: 1, cd_bit: 0, edns_udp_size: 1232, observed_at_ms: 0, rtt_us: 20000,
      status: 'ok', error: '', rcode: 0, header_flags: 33152, aa: vp.kind === 'authoritative' ? 1 : 0, tc: 0, ad: vp.kind === 'resolver' ? 1 : 0,
      ede_codes: [], ede_texts: [], attempts: 1, raw: null, answer_ttl: 0, soa_serial: 0, ns_hosts: [], csync_serial: 0, csync_flags: 0, csync_types: [],
    };
    rows.push(row);
    state.push({ s, row, k: -1 });
  }
  // rows in the store's order within a poll: by time (vantage point), then agent, seq, idx
  const order = state.map((_, i) => i).sort((a, b) => {
    const ra = state[a].row;
    const rb = state[b].row;
    return state[a].s.vp.v - state[b].s.vp.v || (ra.agent_id < rb.agent_id ? -1 : ra.agent_id > rb.agent_id ? 1 : ra.idx - rb.idx);
  });
  const polled = order.map((i) => state[i].row);
  const all = new Set();
  const samples = [];
  for (let t = 0; t < ticks; t++) {
    for (const st of state) {
      const { s, row } = st;
      let k = st.k;
      while (k < 0 || s.periods[k].to <= t) k++;
      if (k !== st.k) {
        st.k = k;
        const p = s.periods[k];
        Object.assign(row, p.content);
      }
      const p = s.periods[k];
      const content = p.content;
      row.raw = t === p.from || (t >= slice.from && t < slice.to) ? p.raw : NO_RAW;
      row.seq = t;
      row.observed_at_ms = observedAt(s.vp, t);
      row.received_at_ms = row.observed_at_ms + 2000;
      row.answer_ttl = answerTtl(s.vp, content, t);
    }
    const folded = folder.fold(polled, version);
    for (const r of folded.runs) all.add(r);
    for (const x of folded.samples) samples.push(x);
  }
  return { runs: [...all], samples };
}

const NO_RAW = new Uint8Array(0);

/** The ticks of the row path's slice: the middle of the period. */
function sliceOf(days) {
  const from = Math.floor(days / 2) * PER_DAY;
  return { from, to: Math.min(days * PER_DAY, from + SLICE_DAYS * PER_DAY) };
}

async function seed(store, driver, db, zone, vpCount, days) {
  const ticks = days * PER_DAY;
  const slice = sliceOf(days);
  const series = seriesPeriods(zone, vantages(vpCount), ticks);
  const t0 = performance.now();
  const payload = encodePeriods(series);
  const periodRows = series.reduce((n, s) => n + s.periods.length, 0);
  await driver.command(`TRUNCATE TABLE IF EXISTS ${db}.bench_periods`);
  await driver.insertTsv(`${db}.bench_periods`, PERIOD_COLUMNS, payload, periodRows);
  // a month per INSERT: one statement for the year makes parts too large to merge quickly
  for (let from = 0; from < ticks; from += 30 * PER_DAY) await driver.command(insertRowsSql(db, zone, slice, from, Math.min(ticks, from + 30 * PER_DAY)));
  const t1 = performance.now();
  const { runs: records, samples } = foldRows(zone, series, ticks, Date.now(), slice);
  const t2 = performance.now();
  for (let i = 0; i < Math.max(records.length, samples.length); i += 50_000) await store.insertRuns(records.slice(i, i + 50_000), samples.slice(i, i + 50_000));
  // At ingest a run's whole row is written when it starts and its extent (run_extents, migration 0013) by
  // every later flush that extends or closes it, so nearly every run has both: read them that way.
  for (const r of records) r.version += 1;
  for (let i = 0; i < records.length; i += 50_000) {
    const chunk = records.slice(i, i + 50_000);
    await store.insertRuns(chunk, [], new Set(chunk));
  }
  const t3 = performance.now();
  return { rows: series.length * ticks, periods: periodRows, runs: records.length, rowsMs: t1 - t0, foldMs: t2 - t1, runsMs: t3 - t2 };
}

const keep = args['data-dir'];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'kto-bench-year-'));
const dataDir = join(dir, 'chdb');
const marker = join(dir, 'seeded.json');
const sizes = JSON.stringify({ days: DAYS, vps: RESOLVERS, slice: SLICE_DAYS });
const reuse = keep !== undefined && existsSync(marker) && readFileSync(marker, 'utf8').startsWith(sizes.slice(0, -1));
const DB = 'kto_bench';
const store = await openStore({ mode: 'chdb', dataDir, database: DB });
const driver = chdbStore.openChdbDriver(dataDir);
try {
  await store.migrate();
  const types = {
    v: 'UInt16', j: 'UInt8', from_tick: 'UInt32', to_tick: 'UInt32', qtype: 'UInt16', raw: 'String', soa_serial: 'UInt32', ttl: 'UInt32',
    dnskey_flags: 'Array(UInt16)', dnskey_protocols: 'Array(UInt8)', dnskey_algorithms: 'Array(UInt8)', dnskey_key_tags: 'Array(UInt16)',
    dnskey_key_hashes: 'Array(String)', dnskey_key_bits: 'Array(UInt32)', ds_key_tags: 'Array(UInt16)', ds_algorithms: 'Array(UInt8)',
    ds_digest_types: 'Array(UInt8)', ds_digests: 'Array(String)', rrsig_type_covered: 'Array(UInt16)', rrsig_algorithms: 'Array(UInt8)',
    rrsig_labels: 'Array(UInt8)', rrsig_original_ttls: 'Array(UInt32)', rrsig_inceptions: 'Array(UInt32)', rrsig_expirations: 'Array(UInt32)',
    rrsig_key_tags: 'Array(UInt16)', rrsig_signers: 'Array(String)', rrsig_ttls: 'Array(UInt32)', rrsig_checks: 'Array(String)',
  };
  const columns = PERIOD_COLUMNS.map((c) => `${c} ${types[c] ?? 'String'}`).join(', ');
  if (!reuse) await driver.command(`CREATE TABLE ${DB}.bench_periods (${columns}) ENGINE = MergeTree ORDER BY (v, j, from_tick)`);

  // 1. the check: a small zone, analysed from runs and from rows
  const checkZone = 'check.bench.';
  if (!reuse) await seed(store, driver, DB, checkZone, 4, 3);
  const checkRows = await batch.readZoneRows(store, checkZone);
  const checkEnd = START + 3 * 86_400_000;
  const fromRows = analyzer.analyzeZone(checkRows, { zone: checkZone, now: checkEnd });
  const fromRuns = (await storedRuns.analyzeZoneFromRuns(store, { zone: checkZone, now: checkEnd })).analysis;
  const checkEqual = JSON.stringify(fromRows) === JSON.stringify(fromRuns);
  if (!checkEqual) console.error('bench/store-read-year: the check zone differs between runs and rows');

  // 2. the year
  const zone = 'year.bench.';
  let seeded;
  if (reuse) seeded = JSON.parse(readFileSync(marker, 'utf8')).seeded;
  else {
    seeded = await seed(store, driver, DB, zone, RESOLVERS, DAYS);
    if (keep !== undefined) writeFileSync(marker, `${sizes.slice(0, -1)},"seeded":${JSON.stringify(seeded)}}`);
  }
  const end = START + DAYS * 86_400_000;
  const runPath = [];
  let last;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    last = await storedRuns.analyzeZoneFromRuns(store, { zone, now: end });
    runPath.push(performance.now() - t0);
  }
  const a = last.analysis;

  // 3. the row path on a slice in the middle of the year, scaled
  const sliceTicks = sliceOf(DAYS);
  const sliceFrom = START + sliceTicks.from * TICK;
  const sliceTo = START + sliceTicks.to * TICK;
  const r0 = performance.now();
  const slice = await batch.readZoneRows(store, zone, sliceFrom, sliceTo);
  const r1 = performance.now();
  analyzer.analyzeZone(slice, { zone, from: sliceFrom, to: sliceTo, now: sliceTo });
  const r2 = performance.now();
  const scale = DAYS / SLICE_DAYS;
  const rowYearMs = (r2 - r0) * scale;
  const best = Math.min(...runPath);
  console.log(JSON.stringify({
    bench: 'store-read-year', days: DAYS, vantage_points: RESOLVERS + 2, qtypes: QTYPES.length, rows: seeded.rows, runs: seeded.runs,
    seed_ms: { rows_server_side: Math.round(seeded.rowsMs), fold_js: Math.round(seeded.foldMs), insert_runs: Math.round(seeded.runsMs) },
    check_equal: checkEqual,
    run_path_ms: runPath.map((x) => Math.round(x)),
    run_path_parts_ms: { read_runs: Math.round(last.timings.readMs), raw_and_runset: Math.round(last.timings.rawMs), analyze: Math.round(last.timings.analyzeMs) },
    raw_samples: last.raws, transitions: a.transitions.map((t) => t.procedure), findings: a.findings.length, observations: a.observations,
    row_slice: { days: SLICE_DAYS, rows: slice.length, read_ms: Math.round(r1 - r0), analyze_ms: Math.round(r2 - r1), rows_per_s: Math.round(slice.length / ((r1 - r0) / 1000)) },
    row_path_year_ms_scaled: Math.round(rowYearMs),
    ratio_row_over_run: Math.round(rowYearMs / best),
    goal_met: best < 1000,
  }));
} finally {
  await store.close();
  await driver.close();
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}
