// Insert throughput of the collector's storage: Store.insertObservations (TabSeparated, one INSERT per
// 10,000-row batch) into embedded chdb, beside chdb's own JSONEachRow insert of the same rows in the same
// run; then the same against a private clickhouse-server (18.16 here) started through the test harness.
// Rows are realistic: raw = real RIPE Atlas DNS answers of 200–500 bytes (shared/real-data), DNSKEY and
// RRSIG summaries filled in. Needs the build (`npx tsc -b packages/collector`). Prints one JSON line.
//
//   node bench/store-insert.mjs [--rows 200000] [--batch 10000] [--no-server]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '10000' },
    'no-server': { type: 'boolean', default: false },
  },
});
const TOTAL_ROWS = Number(args.rows);
const BATCH_ROWS = Number(args.batch);
const BATCHES = Math.max(1, Math.round(TOTAL_ROWS / BATCH_ROWS));
const DISTINCT_BATCHES = Math.min(BATCHES, 4);

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'packages/collector/dist/storage');
let storage;
let rowsCodec;
try {
  storage = await import(pathToFileURL(join(dist, 'index.js')).href);
  rowsCodec = await import(pathToFileURL(join(dist, 'rows.js')).href);
} catch (err) {
  console.error(`bench/store-insert: cannot load ${dist} (build first: npx tsc -b packages/collector): ${err.message}`);
  process.exit(1);
}

/** Real DNS responses of 200–500 bytes from the RIPE Atlas fixtures. */
function atlasAnswers() {
  const file = join(repo, '../shared/real-data/ripe-atlas/sagan-test-dns-results.jsonl');
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line);
    const results = o.resultset ? o.resultset.map((r) => r.result) : [o.result];
    for (const r of results) {
      if (!r?.abuf) continue;
      const raw = new Uint8Array(Buffer.from(r.abuf, 'base64'));
      if (raw.length >= 200 && raw.length <= 500) out.push(raw);
    }
  }
  return out;
}

function makeBatch(b, answers) {
  const rows = new Array(BATCH_ROWS);
  const t0 = Date.UTC(2026, 10, 1) + b * 60_000;
  for (let i = 0; i < BATCH_ROWS; i++) {
    const agent = i % 50;
    const raw = answers[(i + b) % answers.length];
    rows[i] = {
      agent_id: `agent-${agent.toString(16).padStart(4, '0')}`, seq: b + 1, idx: i, received_at_ms: t0 + 5_000,
      country: ['NL', 'DE', 'US', 'JP', 'BR'][agent % 5], continent: ['EU', 'EU', 'NA', 'AS', 'SA'][agent % 5],
      asn: 1_000 + agent, vantage_kind: i % 4 === 0 ? 'authoritative' : 'resolver',
      server: i % 2 === 0 ? `192.0.2.${agent}` : `2001:db8::${agent}`, server_port: 53,
      server_name: i % 4 === 0 ? `ns${i % 3}.example.net.` : '', family: i % 2 === 0 ? 4 : 6,
      transport: 'udp', tc_retry: 0, zone: `zone${i % 200}.example.`, qname: `zone${i % 200}.example.`,
      qtype: i % 3 === 0 ? 43 : 48, do_bit: 1, cd_bit: 0, edns_udp_size: 1232,
      observed_at_ms: t0 + (i % 1000) * 37, rtt_us: 1_000 + (i * 7919) % 90_000,
      status: 'ok', error: '', rcode: 0, header_flags: 0x81a0, aa: 0, tc: 0, ad: 1, ede_codes: [], ede_texts: [],
      attempts: 1, raw, answer_ttl: 3_600 - (i % 3_600), soa_serial: 0,
      dnskey_flags: [257, 256, 256], dnskey_protocols: [3, 3, 3], dnskey_algorithms: [13, 13, 13],
      dnskey_key_tags: [2371, 31406, 41824], dnskey_key_hashes: ['8c1f2e0a5b7d9e31', '0b5e9a77c3d1f402', 'ab01cd23ef45ab67'],
      dnskey_key_bits: [256, 256, 256], ds_key_tags: [], ds_algorithms: [], ds_digest_types: [], ds_digests: [],
      ns_hosts: [], csync_serial: 0, csync_flags: 0, csync_types: [],
      rrsig_type_covered: [48, 48], rrsig_algorithms: [13, 13], rrsig_labels: [2, 2], rrsig_original_ttls: [3_600, 3_600],
      rrsig_inceptions: [1_761_955_200, 1_761_955_200], rrsig_expirations: [1_763_164_800, 1_763_164_800],
      rrsig_key_tags: [2371, 31406], rrsig_signers: [`zone${i % 200}.example.`, `zone${i % 200}.example.`],
      rrsig_ttls: [3_600, 3_600], rrsig_checks: ['valid', 'valid'],
    };
  }
  return rows;
}

const answers = atlasAnswers();
const batches = Array.from({ length: DISTINCT_BATCHES }, (_, b) => makeBatch(b, answers));
const rawAvg = Math.round(batches[0].reduce((s, r) => s + r.raw.length, 0) / BATCH_ROWS);
const batchAt = (b) => {
  const rows = batches[b % DISTINCT_BATCHES];
  for (const r of rows) r.seq = b + 1;
  return rows;
};

/** A JSONEachRow line per row; `raw` (bytes) as hex, since JSON strings cannot carry arbitrary bytes. */
function jsonLines(rows) {
  let s = '';
  for (const r of rows) s += `${JSON.stringify({ ...r, raw: Buffer.from(r.raw).toString('hex') })}\n`;
  return Buffer.from(s);
}

const rate = (rows, ms) => Math.round((rows * 1000) / ms);

async function timeInserts(insert) {
  const t = performance.now();
  for (let b = 0; b < BATCHES; b++) await insert(batchAt(b), b);
  return performance.now() - t;
}

/** Two inserts in flight: the next batch is encoded on the main thread while the engine takes the last. */
async function timeInsertsOverlapped(insert) {
  const t = performance.now();
  let pending = Promise.resolve();
  for (let b = 0; b < BATCHES; b++) {
    const rows = batches[b % DISTINCT_BATCHES].map((r) => ({ ...r, seq: b + 1 }));
    const previous = pending;
    const current = insert(rows, b);
    await previous;
    pending = current;
  }
  await pending;
  return performance.now() - t;
}

// Encoding alone (pure JS).
let encodeMs = 0;
for (let b = 0; b < BATCHES; b++) {
  const rows = batchAt(b);
  const t = performance.now();
  rowsCodec.encodeObservations(rows);
  encodeMs += performance.now() - t;
}

const result = {
  bench: 'store-insert', rows: BATCHES * BATCH_ROWS, batch_rows: BATCH_ROWS, raw_bytes_avg: rawAvg,
  encode_tsv_rows_per_s: rate(BATCHES * BATCH_ROWS, encodeMs),
};

// chdb: the store's TSV insert, then JSONEachRow into a table of the same schema.
{
  const dataDir = mkdtempSync(join(tmpdir(), 'kto-bench-chdb-'));
  const store = await storage.openStore({ mode: 'chdb', dataDir, database: 'bench' });
  try {
    await store.migrate();
    await store.insertObservations(batchAt(0)); // warm-up, not timed
    const tsvMs = await timeInserts((rows) => store.insertObservations(rows));
    const overlappedMs = await timeInsertsOverlapped((rows) => store.insertObservations(rows));
    const { Session } = await import('chdb');
    const session = new Session(dataDir);
    await session.queryAsync('CREATE TABLE bench.observations_json AS bench.observations');
    const columns = rowsCodec.OBSERVATION_COLUMNS;
    await session.insert({ table: 'bench.observations_json', values: jsonLines(batchAt(0)), format: 'JSONEachRow', columns });
    let stringifyMs = 0;
    const jsonMs = await timeInserts(async (rows) => {
      const t = performance.now();
      const payload = jsonLines(rows);
      stringifyMs += performance.now() - t;
      await session.insert({ table: 'bench.observations_json', values: payload, format: 'JSONEachRow', columns });
    });
    session.close();
    const stored = await store.countObservations();
    result.chdb = {
      tsv_rows_per_s: rate(BATCHES * BATCH_ROWS, tsvMs),
      tsv_two_in_flight_rows_per_s: rate(BATCHES * BATCH_ROWS, overlappedMs),
      json_each_row_rows_per_s: rate(BATCHES * BATCH_ROWS, jsonMs),
      json_each_row_engine_only_rows_per_s: rate(BATCHES * BATCH_ROWS, jsonMs - stringifyMs),
      tsv_over_json: Number((jsonMs / tsvMs).toFixed(2)),
      stored_rows: stored,
    };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// clickhouse-server: start it through the test harness (TypeScript, transpiled here with the repo's tsc).
if (!args['no-server']) {
  let server;
  const tmp = mkdtempSync(join(tmpdir(), 'kto-bench-harness-'));
  try {
    const ts = (await import('typescript')).default;
    const source = readFileSync(join(repo, 'test/support/clickhouse-server.ts'), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const harness = join(tmp, 'clickhouse-server.mjs');
    writeFileSync(harness, js);
    const { startClickHouseServer } = await import(pathToFileURL(harness).href);
    server = await startClickHouseServer();
    const store = await storage.openStore({ mode: 'server', url: server.url, database: 'bench' });
    try {
      const report = await store.migrate();
      await store.insertObservations(batchAt(0));
      const tsvMs = await timeInserts((rows) => store.insertObservations(rows));
      const { createClient } = await import('@clickhouse/client');
      const client = createClient({ url: server.url, log: { level: 127 } });
      await client.command({ query: 'CREATE TABLE bench.observations_json AS bench.observations' });
      const jsonRows = (rows) => rows.map((r) => ({ ...r, raw: Buffer.from(r.raw).toString('hex') }));
      await client.insert({ table: 'bench.observations_json', values: jsonRows(batchAt(0)), format: 'JSONEachRow' });
      const jsonMs = await timeInserts((rows) =>
        client.insert({ table: 'bench.observations_json', values: jsonRows(rows), format: 'JSONEachRow' }));
      await client.close();
      result.server = {
        version: report.serverVersion,
        tsv_rows_per_s: rate(BATCHES * BATCH_ROWS, tsvMs),
        json_each_row_rows_per_s: rate(BATCHES * BATCH_ROWS, jsonMs),
        tsv_over_json: Number((jsonMs / tsvMs).toFixed(2)),
        stored_rows: await store.countObservations(),
      };
    } finally {
      await store.close();
    }
  } catch (err) {
    result.server = { error: String(err?.message ?? err).split('\n')[0] };
  } finally {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(JSON.stringify(result));
