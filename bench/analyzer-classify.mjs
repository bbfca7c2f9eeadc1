#!/usr/bin/env node
// Analyzer throughput: observations analysed per second by analyzeZone (runs, key sightings,
// transitions, classification, findings, lag) on a synthetic history in memory — N zones x V vantage
// points (resolvers, plus 2 authoritative servers) x D days at a 5-minute cadence, DNSKEY and SOA each
// poll. Needs the build (`npx tsc -b`). One JSON line. Goal (issue 4): >= 1M observations/s.
//
//   node bench/analyzer-classify.mjs [--zones 1000] [--vps 100] [--days 2] [--cadence-min 5] [--variants 4]
//
// Default: 1,000 zones x 102 vantage points x 2 days (118 M observations, ~20 s here). The full brief
// size (1k zones x 100 vantage points x months) is ~1.7 billion observations, longer than a bench run
// should take and more rows than memory holds at once; each zone is analysed on its own, so the cost
// per zone-month is measured with e.g. `--zones 30 --days 30 --variants 2` (53 M observations, ~2.7 GB
// of rows in memory) and scales linearly. Histories: `variants` distinct zones (ZSK pre-publish, ZSK
// double-signature, KSK double-KSK with a DS swap, steady), built once (not timed) and analysed in turn
// until `zones` analyses ran. Rows carry the parsed summary only (no raw bytes: signature verification
// costs per distinct RRSIG, not per observation, and is measured by the tests). Resolvers see each
// change after a random part of the TTL; 2 % of them stretch TTLs 3x (lagging).
import { parseArgs } from 'node:util';
import { analyzeZone } from '../packages/analyzer/dist/index.js';

const { values } = parseArgs({
  options: {
    zones: { type: 'string', default: '1000' }, vps: { type: 'string', default: '100' }, days: { type: 'string', default: '2' },
    'cadence-min': { type: 'string', default: '5' }, variants: { type: 'string', default: '4' },
  },
});
const ZONES = Number(values.zones);
const VPS = Number(values.vps);
const DAYS = Number(values.days);
const CADENCE = Number(values['cadence-min']) * 60_000;
const VARIANTS = Math.max(1, Math.min(4, Number(values.variants)));
const START = Date.UTC(2026, 0, 1);
const TTL = 3600;

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const hex = (n) => n.toString(16).padStart(16, '0');

function key(tag, flags) {
  return { tag, flags, alg: 13, hash: hex(tag * 7919 + flags) };
}

/** The authoritative state at time t of variant v: DNSKEY keys, DNSKEY signers, SOA signers, DS tags. */
function stateOf(v, t, len) {
  const K1 = key(1001, 257); const K2 = key(1002, 257); const Z1 = key(2001, 256); const Z2 = key(2002, 256);
  const f = (t - START) / len;
  if (v === 0) { // ZSK pre-publish
    const keys = f < 1 / 3 ? [K1, Z1] : f < 2 / 3 ? [K1, Z1, Z2] : [K1, Z2];
    return { keys, ksig: [K1], zsig: f < 1 / 2 ? [Z1] : [Z2], ds: [K1] };
  }
  if (v === 1) { // ZSK double-signature
    const keys = f < 1 / 3 ? [K1, Z1] : f < 2 / 3 ? [K1, Z1, Z2] : [K1, Z2];
    return { keys, ksig: [K1], zsig: f < 1 / 3 ? [Z1] : f < 2 / 3 ? [Z1, Z2] : [Z2], ds: [K1] };
  }
  if (v === 2) { // KSK double-KSK
    const keys = f < 1 / 4 ? [K1, Z1] : f < 3 / 4 ? [K1, K2, Z1] : [K2, Z1];
    return { keys, ksig: f < 1 / 4 ? [K1] : f < 3 / 4 ? [K1, K2] : [K2], zsig: [Z1], ds: f < 1 / 2 ? [K1] : [K2] };
  }
  return { keys: [K1, Z1], ksig: [K1], zsig: [Z1], ds: [K1] };
}

const shared = new Map();
/** Arrays are shared between rows of the same content (as a decoded batch would not, but the analyzer never mutates). */
function arrays(st, qtype, day) {
  const k = `${qtype}|${st.keys.map((x) => x.tag).join()}|${st.ksig.map((x) => x.tag).join()}|${st.zsig.map((x) => x.tag).join()}|${st.ds.map((x) => x.tag).join()}|${day}`;
  let a = shared.get(k);
  if (a !== undefined) return a;
  const sig = qtype === 48 ? st.ksig : qtype === 6 ? st.zsig : [];
  const exp = Math.floor(START / 1000) + (day + 14) * 86400;
  a = {
    dnskey_flags: qtype === 48 ? st.keys.map((x) => x.flags) : [], dnskey_protocols: qtype === 48 ? st.keys.map(() => 3) : [],
    dnskey_algorithms: qtype === 48 ? st.keys.map((x) => x.alg) : [], dnskey_key_tags: qtype === 48 ? st.keys.map((x) => x.tag) : [],
    dnskey_key_hashes: qtype === 48 ? st.keys.map((x) => x.hash) : [], dnskey_key_bits: qtype === 48 ? st.keys.map(() => 256) : [],
    ds_key_tags: qtype === 43 ? st.ds.map((x) => x.tag) : [], ds_algorithms: qtype === 43 ? st.ds.map(() => 13) : [],
    ds_digest_types: qtype === 43 ? st.ds.map(() => 2) : [], ds_digests: qtype === 43 ? st.ds.map((x) => hex(x.tag).repeat(4)) : [],
    rrsig_type_covered: sig.map(() => qtype), rrsig_algorithms: sig.map(() => 13), rrsig_labels: sig.map(() => 2),
    rrsig_original_ttls: sig.map(() => TTL), rrsig_inceptions: sig.map(() => exp - 21 * 86400), rrsig_expirations: sig.map(() => exp),
    rrsig_key_tags: sig.map((x) => x.tag), rrsig_signers: sig.map(() => 'bench.example.'), rrsig_ttls: sig.map(() => TTL), rrsig_checks: sig.map(() => 'unchecked'),
  };
  shared.set(k, a);
  return a;
}

const EMPTY = new Uint8Array(0);
function history(v) {
  const zone = `v${v}.bench.example.`;
  const len = DAYS * 86_400_000;
  const polls = Math.floor(len / CADENCE);
  const rows = [];
  const vps = [];
  for (let i = 0; i < VPS + 2; i++) {
    const auth = i < 2;
    const stretch = !auth && rand() < 0.02;
    vps.push({
      agent: auth ? 'auth' : `agent-${i}`, server: auth ? `192.0.2.${i + 1}` : '127.0.0.1', name: auth ? `ns${i + 1}.bench.example.` : '',
      kind: auth ? 'authoritative' : 'resolver', delay: auth ? 0 : rand() * TTL * 1000 * (stretch ? 3 : 1), seq: 0,
      country: ['DE', 'US', 'JP', 'BR', 'ZA'][i % 5], continent: ['EU', 'NA', 'AS', 'SA', 'AF'][i % 5],
    });
  }
  for (let p = 0; p < polls; p++) {
    const t = START + p * CADENCE;
    const day = Math.floor((t - START) / 86_400_000);
    for (const vp of vps) {
      const st = stateOf(v, t - vp.delay, len);
      vp.seq++;
      const qts = vp.kind === 'authoritative' && vp.server === '192.0.2.1' ? [48, 6, 43] : [48, 6];
      qts.forEach((qtype, idx) => {
        rows.push({
          agent_id: vp.agent, seq: vp.seq, idx, received_at_ms: t + 1000, country: vp.country, continent: vp.continent, asn: 0,
          vantage_kind: vp.kind, server: vp.server, server_port: 53, server_name: vp.name, family: 4, transport: 'udp', tc_retry: 0,
          zone, qname: zone, qtype, do_bit: 1, cd_bit: 0, edns_udp_size: 1232, observed_at_ms: t, rtt_us: 1000, status: 'ok', error: '',
          rcode: 0, header_flags: 0x8180, aa: vp.kind === 'authoritative' ? 1 : 0, tc: 0, ad: 1, ede_codes: [], ede_texts: [], attempts: 1, raw: EMPTY,
          answer_ttl: vp.kind === 'authoritative' ? TTL : TTL - Math.floor(((t - vp.delay) / 1000) % TTL), soa_serial: 2026010100 + day,
          ns_hosts: [], csync_serial: 0, csync_flags: 0, csync_types: [], ...arrays(st, qtype, day),
        });
      });
    }
  }
  return { zone, rows };
}

const tBuild = performance.now();
const histories = [];
for (let v = 0; v < VARIANTS; v++) histories.push(history(v));
const buildS = (performance.now() - tBuild) / 1000;

let observations = 0;
let transitions = 0;
const procedures = new Set();
const t0 = performance.now();
for (let z = 0; z < ZONES; z++) {
  const h = histories[z % histories.length];
  const a = analyzeZone(h.rows, { zone: h.zone, verifySignatures: false });
  observations += a.observations;
  transitions += a.transitions.length;
  for (const p of a.procedures) procedures.add(p);
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  bench: 'analyzer-classify', zones: ZONES, vantage_points: VPS + 2, days: DAYS, cadence_min: CADENCE / 60_000,
  rows_per_zone: Math.round(observations / ZONES), observations, seconds: Number(seconds.toFixed(2)),
  observations_per_s: Math.round(observations / seconds), goal_per_s: 1_000_000, transitions, procedures: [...procedures].sort(),
  build_s: Number(buildS.toFixed(1)), rss_mb: Math.round(process.memoryUsage().rss / 1e6),
}));
