#!/usr/bin/env node
// Collector ingest: observations/s from signed protobuf batches into stored rows (embedded chdb), beside
// the store's raw insert rate for the same rows in the same run (issue: ingest >= 0.8 x raw, and
// >= 100k observations/s into chdb on a 2-core machine). Needs the build (`npx tsc -b`). One JSON line.
//
//   node bench/collector-ingest.mjs [--batches 160] [--agents 4] [--window 16]
//                                   [--modes inproc-without-runs,inproc,http,ws]
//                                   [--insert-max-rows 10000] [--cpu-profile-dir DIR]
//
// Observations: DNSKEY answers as an agent makes them: the agent's own Querier (packages/agent/dist)
// over an in-process transport that answers with the real root DNSKEY RRsets and RRSIGs of
// shared/real-data/root-dnskey-timeseries (2,576 snapshots, 2023-11 .. 2026-08; 2-4 RSA keys, responses
// of 0.9-1.4 kB), served under 10,000 bench zone names (z00001.bench.kto. ...) with cache-aged TTLs.
// Each batch: 1,000 observations, sealed as the agent's Batcher does (BatchBody, Ed25519 signature,
// SignedBatch), by agents enrolled through POST /v1/agents/enroll. Building all this is not timed.
//
// Phases, each in a database of its own in one chdb data directory (one per process):
//   raw     Store.insertObservations of the rows those batches become (ingest/rows.js batchToRows), in
//           10,000-row calls one after another; measured before and after the ingest phases (the
//           ratios use the mean). The TSV encoding of the same rows is also timed alone.
//   inproc  Ingestor.ingestBatch (what both ingest routes call) of build(opts), `agents x window`
//           batches in flight.
//   inproc-without-runs  the same with the writer's RunFolder removed (no runs folded or written):
//           what folding runs at ingest costs, in the same run.
//   http    POST /v1/ingest, `agents` clients with `window` requests in flight each (keep-alive).
//   ws      /v1/ingest/ws, one WebSocket per agent (Hello/Welcome), `window` batches in flight each.
// HTTP and WebSocket clients run in a worker thread (the agents are other hosts; their JS must not
// share the collector's event loop). An ingest phase is timed from the first batch sent until every
// batch is acknowledged STORED (a RETRY ack is resent after its retry_after, as an agent does); then
// the stored row count must equal what was sent. The per-agent rate limit is lifted (a policy, not a
// cost); every other limit and the insert batching (10,000 rows or 1 s) keep their defaults.
// --cpu-profile-dir writes a V8 CPU profile of the main thread per timed phase (<phase>.cpuprofile).
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => pathToFileURL(join(ROOT, 'packages', path)).href;

const proto = await import(dist('proto/dist/index.js'));
const { Ack, AckStatus, AgentMessage, BatchBody, CollectorMessage, SignedBatch } = proto;

const OBS_PER_BATCH = 1000;
const ZONES = 10_000;
const RAW_ROWS_PER_CALL = 10_000;
const MODES = ['inproc-without-runs', 'inproc', 'http', 'ws'];

if (isMainThread) await main();
else await runClients(workerData);

// ---------------------------------------------------------------------------------------------------
// Main thread: data, store, collector, measurements.

async function main() {
  const { values: args } = parseArgs({
    options: {
      batches: { type: 'string', default: '160' },
      agents: { type: 'string', default: '4' },
      window: { type: 'string', default: '16' },
      modes: { type: 'string', default: 'inproc-without-runs,inproc,http,ws' },
      'insert-max-rows': { type: 'string', default: '10000' },
      'cpu-profile-dir': { type: 'string' },
    },
  });
  const agentsN = Number(args.agents);
  const batchesPerAgent = Math.ceil(Number(args.batches) / agentsN);
  const totalBatches = batchesPerAgent * agentsN;
  const window = Number(args.window);
  const insertMaxRows = Number(args['insert-max-rows']);
  const modes = args.modes.split(',').filter((m) => m !== '');
  for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode ${m} (${MODES.join(', ')})`);

  let build;
  let openStore;
  let batchToRows;
  let encodeObservations;
  let Querier;
  let core;
  try {
    ({ build } = await import(dist('collector/dist/app.js')));
    ({ openStore } = await import(dist('collector/dist/storage/index.js')));
    ({ batchToRows } = await import(dist('collector/dist/ingest/rows.js')));
    ({ encodeObservations } = await import(dist('collector/dist/storage/rows.js')));
    ({ Querier } = await import(dist('agent/dist/index.js')));
    core = await import(dist('core/dist/index.js'));
  } catch (err) {
    console.error(`bench/collector-ingest: cannot load the built packages (run npx tsc -b first): ${err.message}`);
    process.exit(1);
  }
  const { Session } = await import('chdb');
  const profiler = await phaseProfiler(args['cpu-profile-dir']);

  const templates = await observationTemplates(core, Querier);
  const rawAvg = Math.round(templates.reduce((s, o) => s + o.raw.length, 0) / templates.length);

  const dataDir = mkdtempSync(join(tmpdir(), 'kto-bench-ingest-'));
  const probe = new Session(dataDir); // system.merges, between phases
  const result = {
    bench: 'collector-ingest', store: 'chdb', observations_per_batch: OBS_PER_BATCH, batches: totalBatches,
    observations: totalBatches * OBS_PER_BATCH, agents: agentsN, window, insert_max_rows: insertMaxRows,
    raw_bytes_avg: rawAvg,
  };
  try {
    const { agentIdFromPublicKey } = await import(dist('collector/dist/identity.js'));
    const agentSet = () => {
      const keys = Array.from({ length: agentsN }, () => newAgentKey(agentIdFromPublicKey));
      return { keys, batches: sealBatches(keys, batchesPerAgent, templates) };
    };
    // The batches of the first ingest phase also give the rows of the raw phases. Rows are made just
    // before each raw phase and dropped after it: the ingest phases must not pay for marking them.
    let set = agentSet();
    const rawBatches = set.batches;
    result.batch_bytes_avg = Math.round(rawBatches.reduce((s, b) => s + b.signed.length, 0) / rawBatches.length);
    const raw = (name, database) => profiler(name, () => rawPhase(openStore, dataDir, database, rowChunks(rawBatches, batchToRows)));

    // The store's TSV encoding alone (JS on the event loop, part of every insert), to split the raw
    // rate into encoding and engine.
    {
      const chunks = rowChunks(rawBatches, batchToRows);
      let rows = 0;
      let bytes = 0;
      const t = performance.now();
      for (const c of chunks) {
        bytes += encodeObservations(c).length;
        rows += c.length;
      }
      result.encode_tsv_rows_per_s = Math.round((rows * 1000) / (performance.now() - t));
      result.tsv_bytes_per_row = Math.round(bytes / rows);
    }
    result.raw_before = await raw('raw_before', 'kto_bench_raw1');
    await settle(probe);
    for (const mode of modes) {
      set ??= agentSet();
      const phase = { mode, build, openStore, dataDir, set, agentsN, window, insertMaxRows };
      result[mode] = await profiler(mode, () => ingestPhase(phase));
      set = null;
      await settle(probe);
    }
    result.raw_after = await raw('raw_after', 'kto_bench_raw2');

    const rawRate = Math.round((result.raw_before.rows_per_s + result.raw_after.rows_per_s) / 2);
    result.raw_rows_per_s = rawRate;
    for (const mode of modes) {
      const r = result[mode];
      r.ratio_vs_raw = Number((r.observations_per_s / rawRate).toFixed(2));
    }
    const best = Math.max(...modes.map((m) => result[m].observations_per_s));
    result.goals = {
      ratio_0_8_x_raw: Object.fromEntries(modes.map((m) => [m, result[m].ratio_vs_raw >= 0.8])),
      at_least_100k_per_s: best >= 100_000,
    };
  } finally {
    probe.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  result.node = process.version;
  result.cpus = cpus().length;
  console.log(JSON.stringify(result));
}

/** Runs a phase, under the V8 profiler when `dir` is given (the profile covers setup and teardown too). */
async function phaseProfiler(dir) {
  if (dir === undefined) return (_name, fn) => fn();
  mkdirSync(dir, { recursive: true });
  const session = new InspectorSession();
  session.connect();
  await session.post('Profiler.enable');
  return async (name, fn) => {
    await session.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    }
  };
}

/** Waits until chdb has no merge running (parts of the previous phase), at most 20 s; returns ms waited. */
async function settle(session) {
  const t = performance.now();
  while (performance.now() - t < 20_000) {
    const n = Number((await session.queryAsync('SELECT count() FROM system.merges', 'CSV')).text().trim());
    if (n === 0) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return Math.round(performance.now() - t);
}

/** The rows the collector makes of `batches` (ingest/rows.js), in chunks of RAW_ROWS_PER_CALL. */
function rowChunks(batches, batchToRows) {
  const out = [];
  const receivedAtMs = Date.now();
  let chunk = [];
  for (const b of batches) {
    const body = BatchBody.decode(SignedBatch.decode(b.signed).body);
    const rows = batchToRows(body.observations, {
      agentId: b.agentId, seq: b.seq, receivedAtMs, country: 'NL', continent: 'EU', asn: 64_500,
    });
    for (const r of rows) chunk.push(r);
    if (chunk.length >= RAW_ROWS_PER_CALL) {
      out.push(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/** Inserts `chunks` one call after another into a fresh database; takes ownership of (and drops) them. */
async function rawPhase(openStore, dataDir, database, chunks) {
  const store = await openStore({ mode: 'chdb', dataDir, database });
  try {
    await store.migrate();
    let rows = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < chunks.length; i++) {
      await store.insertObservations(chunks[i]);
      rows += chunks[i].length;
      chunks[i] = null;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const stored = await store.countObservations();
    if (stored !== rows) throw new Error(`raw phase ${database}: ${stored} rows stored, ${rows} inserted`);
    return { rows_per_s: Math.round((rows * 1000) / ms), seconds: round2(ms / 1000), cpu_cores: round2((cpu.user + cpu.system) / 1000 / ms) };
  } finally {
    await store.close();
  }
}

async function ingestPhase({ mode, build, openStore, dataDir, set, agentsN, window, insertMaxRows }) {
  const store = await openStore({ mode: 'chdb', dataDir, database: `kto_bench_${mode.replaceAll('-', '_')}` });
  await store.migrate();
  const adminToken = 'bench-admin-token';
  const app = build({
    store, adminToken,
    limits: { agentRatePerS: 1e9, agentBurst: 1e9 },
    insert: { maxRows: insertMaxRows },
  });
  // The writer without its RunFolder folds and writes no runs (WriterDeps.runs absent), as before runs existed.
  if (mode === 'inproc-without-runs') delete app.kto.writer.deps.runs;
  let closed = false;
  try {
    await app.ready();
    for (const k of set.keys) await enrol(app, adminToken, k);
    const expected = set.batches.length * OBS_PER_BATCH;
    const ins0 = await insertSeconds(app);
    let stats;
    let ms;
    let cpu;
    let elu;
    let clientBusy;
    if (mode.startsWith('inproc')) {
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      const t0 = performance.now();
      stats = await ingestInProcess(app.kto.ingestor, set.batches, agentsN * window);
      ms = performance.now() - t0;
      cpu = process.cpuUsage(cpu0);
      elu = performance.eventLoopUtilization(elu0);
    } else {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const perAgent = set.keys.map((k) => ({
        agentId: k.agentId,
        hello: helloFrame(k),
        frames: set.batches.filter((b) => b.agentId === k.agentId).map((b) => (mode === 'ws' ? wsFrame(b.signed) : b.signed)),
      }));
      const worker = new Worker(new URL(import.meta.url), { workerData: { mode, url, agents: perAgent, window } });
      const exited = new Promise((ok) => worker.once('exit', ok));
      try {
        const next = messages(worker);
        const ready = await next();
        if (ready.type !== 'ready') throw new Error(`client worker: ${ready.error ?? JSON.stringify(ready)}`);
        const cpu0 = process.cpuUsage();
        const elu0 = performance.eventLoopUtilization();
        const t0 = performance.now();
        worker.postMessage('go');
        const done = await next();
        ms = performance.now() - t0;
        cpu = process.cpuUsage(cpu0);
        elu = performance.eventLoopUtilization(elu0);
        clientBusy = done.eventLoopBusy;
        if (done.type !== 'done') throw new Error(`client worker: ${done.error ?? JSON.stringify(done)}`);
        stats = done.stats;
      } finally {
        await worker.terminate();
        await exited;
      }
    }
    const ins = await insertSeconds(app);
    await app.close();
    closed = true;
    const stored = await store.countObservations();
    if (stats.rejected > 0) throw new Error(`${mode}: ${stats.rejected} batches REJECTED (first: ${stats.firstError})`);
    if (stats.stored !== set.batches.length) throw new Error(`${mode}: ${stats.stored} of ${set.batches.length} batches acknowledged STORED`);
    if (stored !== expected) throw new Error(`${mode}: ${stored} rows stored, ${expected} sent`);
    return {
      observations_per_s: Math.round((expected * 1000) / ms),
      seconds: round2(ms / 1000),
      stored_rows: stored,
      retry_acks: stats.retries,
      // CPU of the whole process (collector, chdb threads, and in http/ws the client worker), in cores
      cpu_cores: round2((cpu.user + cpu.system) / 1000 / ms),
      // share of the phase the collector's event loop was busy (JS: decode, verify, rows, TSV encoding)
      event_loop_busy: round2(elu.utilization),
      // the same for the agents' thread (http, ws): CPU the load generator takes from the collector
      ...(clientBusy === undefined ? {} : { client_event_loop_busy: round2(clientBusy) }),
      // share of the phase spent waiting for inserts, observations and ledger rows
      insert_observations_share: round2((ins.observations - ins0.observations) * 1000 / ms),
      insert_ledger_share: round2((ins.batches - ins0.batches) * 1000 / ms),
      insert_runs_share: round2((ins.runs - ins0.runs) * 1000 / ms),
      inserts: ins.count - ins0.count,
    };
  } finally {
    if (!closed) await app.close().catch(() => undefined);
    await store.close();
  }
}

/** Sum of the insert durations the collector recorded (kto_collector_insert_duration_seconds), by table. */
async function insertSeconds(app) {
  const out = { observations: 0, batches: 0, runs: 0, count: 0 };
  for (const v of (await app.kto.metrics.insertDuration.get()).values) {
    if (v.metricName?.endsWith('_sum')) out[v.labels.table] = v.value;
    if (v.metricName?.endsWith('_count') && v.labels.table === 'observations') out.count = v.value;
  }
  return out;
}

/** `concurrency` ingestBatch calls in flight, batches in seq order per agent; RETRY is resent after its delay. */
async function ingestInProcess(ingestor, batches, concurrency) {
  const stats = { stored: 0, duplicates: 0, retries: 0, rejected: 0, firstError: '' };
  let next = 0;
  async function lane() {
    while (next < batches.length) {
      const b = batches[next++];
      for (;;) {
        const ack = await ingestor.ingestBatch(b.signed);
        if (count(stats, ack)) break;
        await new Promise((ok) => setTimeout(ok, ack.retryAfterMs));
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return stats;
}

/** Tallies an ack; false when the batch must be sent again (RETRY). */
function count(stats, ack) {
  switch (ack.status) {
    case AckStatus.ACK_STATUS_STORED: stats.stored++; return true;
    case AckStatus.ACK_STATUS_DUPLICATE: stats.duplicates++; return true;
    case AckStatus.ACK_STATUS_RETRY: stats.retries++; return false;
    default:
      stats.rejected++;
      if (stats.firstError === '') stats.firstError = `${ack.errorCode}: ${ack.message}`;
      return true;
  }
}

function messages(worker) {
  const queue = [];
  const waiting = [];
  const deliver = (m) => (waiting.length > 0 ? waiting.shift()(m) : queue.push(m));
  worker.on('message', deliver);
  worker.on('error', (err) => deliver({ type: 'error', error: err.stack ?? String(err) }));
  worker.on('exit', (code) => deliver({ type: 'error', error: `client worker exited (${code})` }));
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((ok) => waiting.push(ok)));
}

function round2(x) {
  return Number(x.toFixed(2));
}

// ---------------------------------------------------------------------------------------------------
// Agents: keys, enrolment, sealed batches.

/** An Ed25519 agent key; its id computed the collector's way ("a" + 20 hex digits of SHA-256(key)). */
function newAgentKey(agentIdFromPublicKey) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return { publicKeyHex: raw.toString('hex'), privateKey, agentId: agentIdFromPublicKey(raw) };
}

async function enrol(app, adminToken, key) {
  const tok = await app.inject({
    method: 'POST', url: '/v1/enrolment-tokens', headers: { authorization: `Bearer ${adminToken}` }, payload: { label: 'bench', max_uses: 1 },
  });
  if (tok.statusCode !== 201) throw new Error(`enrolment token: HTTP ${tok.statusCode} ${tok.body}`);
  const res = await app.inject({
    method: 'POST', url: '/v1/agents/enroll',
    payload: { token: tok.json().token, public_key: key.publicKeyHex, country: 'NL', continent: 'EU', asn: 64_500, name: 'bench' },
  });
  if (res.statusCode !== 201 || res.json().agent_id !== key.agentId) throw new Error(`enrol: HTTP ${res.statusCode} ${res.body}`);
}

/** AgentMessage{batch} around a SignedBatch, as the agent's uplink sends it on the WebSocket. */
function wsFrame(signed) {
  return AgentMessage.encode({ batch: SignedBatch.decode(signed) }).finish();
}

function helloFrame(key) {
  const timeMs = Date.now();
  const signature = sign(null, proto.helloSigningInput(key.agentId, timeMs), key.privateKey);
  return AgentMessage.encode({ hello: { agentId: key.agentId, timeMs, signature, agentVersion: 'bench' } }).finish();
}

/**
 * `perAgent` batches of every agent (seq 1, 2, ...), interleaved by seq, each sealed as the agent's
 * Batcher seals: BatchBody -> Ed25519 signature -> SignedBatch. Observations cycle through the
 * templates (a different slice per agent and batch) with fresh send times.
 */
function sealBatches(keys, perAgent, templates) {
  const out = [];
  const base = Date.now() - 3_600_000;
  for (let s = 0; s < perAgent; s++) {
    for (let a = 0; a < keys.length; a++) {
      const k = keys[a];
      const observations = new Array(OBS_PER_BATCH);
      for (let j = 0; j < OBS_PER_BATCH; j++) {
        const o = templates[(a * 2_503 + s * OBS_PER_BATCH + j) % templates.length];
        o.sentAtMs = base + s * 2_000 + j;
        observations[j] = o;
      }
      const body = BatchBody.encode({
        agentId: k.agentId, seq: s + 1, createdAtMs: base + s * 2_000 + OBS_PER_BATCH, observations,
        location: { country: 'NL', continent: 'EU', asn: 64_500 }, agentVersion: 'bench',
      }).finish();
      const signature = sign(null, body, k.privateKey);
      const signed = SignedBatch.encode({ agentId: k.agentId, body, signature }).finish();
      out.push({ agentId: k.agentId, seq: s + 1, signed });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Observations: the agent's Querier over an in-process transport answering with real root DNSKEY data.

/** DNSKEY + RRSIG(DNSKEY) records of every snapshot of the root apex time series, in time order. */
function rootDnskeySnapshots(core) {
  const file = resolve(ROOT, '../shared/real-data/root-dnskey-timeseries/root-apex-2023-11-04_2026-08-22.txt.gz');
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const out = [];
  for (const block of text.split(/^; commit=/m).slice(1)) {
    const lines = block.split('\n').filter((l) => /\sIN\s+(?:DNSKEY|RRSIG\s+DNSKEY)\s/.test(l)).join('\n');
    const records = core.parseZoneText(lines).records;
    if (records.some((r) => r.type === 48) && records.some((r) => r.type === 46)) out.push(records);
  }
  if (out.length === 0) throw new Error(`no DNSKEY snapshots in ${file}`);
  return out;
}

/** End of the question of a query (12-byte header, one QNAME, QTYPE, QCLASS). */
function questionEnd(query) {
  let p = 12;
  while (query[p] !== 0) p += query[p] + 1;
  return p + 5;
}

/** A validating resolver's answer to `query`: `records` (owner = QNAME) with `ttl`, AD set, OPT with DO. */
function answer(query, records, ttl) {
  const qend = questionEnd(query);
  const parts = [Buffer.from([query[0], query[1], 0x81, 0xa0, 0, 1, 0, records.length, 0, 0, 0, 1]), query.subarray(12, qend)];
  for (const r of records) {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0xc00c, 0);
    h.writeUInt16BE(r.type, 2);
    h.writeUInt16BE(1, 4);
    h.writeUInt32BE(ttl, 6);
    h.writeUInt16BE(r.rdata.length, 10);
    parts.push(h, r.rdata);
  }
  parts.push(Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]));
  return new Uint8Array(Buffer.concat(parts));
}

/** One observation per bench zone, made by the agent's Querier: zone i answered with snapshot i. */
async function observationTemplates(core, Querier) {
  const snapshots = rootDnskeySnapshots(core);
  let current = null;
  const udp = {
    async exchange(_server, message) {
      const { records, ttl, rttUs } = current;
      return { status: 'response', bytes: answer(message, records, ttl), rttUs, attempts: 1, error: '' };
    },
    async close() {},
  };
  const tcp = {
    async exchange() {
      return { status: 'network-error', bytes: new Uint8Array(0), rttUs: 0, attempts: 1, error: 'not used' };
    },
    async close() {},
  };
  const querier = new Querier({ transports: { udp, tcp }, timeoutMs: 2000, retries: 1, ednsUdpSize: 1232 });
  const resolvers = [
    { address: '192.0.2.53', port: 53, family: 4 },
    { address: '198.51.100.53', port: 53, family: 4 },
    { address: '2001:db8::53', port: 53, family: 6 },
  ];
  const out = new Array(ZONES);
  for (let i = 0; i < ZONES; i++) {
    const zone = `z${String(i + 1).padStart(5, '0')}.bench.kto.`;
    current = {
      records: snapshots[Math.floor((i * snapshots.length) / ZONES)],
      ttl: 86_400 - ((i * 7_919) % 86_400), // remaining TTL in a cache capped at one day
      rttUs: 150 + ((i * 104_729) % 40_000),
    };
    const { observation } = await querier.query({
      kind: 'resolver', server: resolvers[i % resolvers.length], serverName: '', zone, qname: zone, qtype: 48,
    });
    if (observation.status !== 1 || observation.answer.length < 2 || observation.rrsigs.length < 1) {
      throw new Error(`observation of ${zone} is not a DNSKEY answer: ${observation.error}`);
    }
    out[i] = observation;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Worker thread: the agents' side of HTTP and WebSocket ingest.

async function runClients({ mode, url, agents, window }) {
  try {
    const run = mode === 'ws' ? await wsClients(url, agents, window) : httpClients(url, agents, window);
    parentPort.postMessage({ type: 'ready' });
    await new Promise((ok) => parentPort.once('message', ok));
    const elu0 = performance.eventLoopUtilization();
    const stats = await run();
    parentPort.postMessage({ type: 'done', stats, eventLoopBusy: performance.eventLoopUtilization(elu0).utilization });
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: err.stack ?? String(err) });
  }
}

function httpClients(url, agents, window) {
  const { hostname, port } = new URL(url);
  const pool = new http.Agent({ keepAlive: true, maxSockets: agents.length * window });
  const post = (bytes) => new Promise((ok, fail) => {
    const req = http.request({
      host: hostname, port, path: '/v1/ingest', method: 'POST', agent: pool,
      headers: { 'content-type': 'application/x-protobuf', 'content-length': bytes.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          ok(Ack.decode(Buffer.concat(chunks)));
        } catch (err) {
          fail(new Error(`HTTP ${res.statusCode}: not an Ack (${err.message})`));
        }
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(bytes);
  });
  return async () => {
    const stats = { stored: 0, duplicates: 0, retries: 0, rejected: 0, firstError: '' };
    await Promise.all(agents.map(async (a) => {
      let next = 0;
      await Promise.all(Array.from({ length: window }, async () => {
        while (next < a.frames.length) {
          const frame = a.frames[next++];
          for (;;) {
            const ack = await post(frame);
            if (count(stats, ack)) break;
            await new Promise((ok) => setTimeout(ok, ack.retryAfterMs));
          }
        }
      }));
    }));
    pool.destroy();
    return stats;
  };
}

async function wsClients(url, agents, window) {
  const { default: WebSocket } = await import('ws');
  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/ingest/ws`;
  const stats = { stored: 0, duplicates: 0, retries: 0, rejected: 0, firstError: '' };
  const sessions = await Promise.all(agents.map((a) => new Promise((ok, fail) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
    // until the Welcome, failures reject the setup; afterwards the run
    const s = { ws, a, next: 0, acked: 0, done: null, fail };
    ws.on('error', (err) => s.fail(err));
    ws.on('open', () => ws.send(a.hello));
    ws.on('close', (code, reason) => {
      if (s.acked < a.frames.length) s.fail(new Error(`WebSocket of ${a.agentId} closed (${code} ${reason})`));
    });
    ws.on('message', (data) => {
      const m = CollectorMessage.decode(data);
      if (m.welcome != null) ok(s);
      else if (m.error != null) s.fail(new Error(`${m.error.code}: ${m.error.message}`));
      else if (m.ack != null) {
        const seq = Number(m.ack.seq);
        if (count(stats, m.ack)) {
          s.acked++;
          if (s.next < a.frames.length) ws.send(a.frames[s.next++]);
          else if (s.acked === a.frames.length) s.done();
        } else {
          setTimeout(() => ws.send(a.frames[seq - 1]), m.ack.retryAfterMs);
        }
      }
    });
  })));
  return async () => {
    await Promise.all(sessions.map((s) => new Promise((ok, fail) => {
      s.done = ok;
      s.fail = fail;
      while (s.next < Math.min(window, s.a.frames.length)) s.ws.send(s.a.frames[s.next++]);
    })));
    for (const s of sessions) s.ws.close(1000);
    return stats;
  };
}
