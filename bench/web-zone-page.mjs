#!/usr/bin/env node
// Zone page with a year of history (issue 5): time from navigation start until the dashboard's zone page
// is interactive, in Debian's chromium driven by playwright-core, against a collector serving a seeded
// chdb store. Needs the build (`npm run build`: collector, analyzer, lab, web) and /usr/bin/chromium.
// Prints one JSON line; progress goes to stderr.
//
//   node bench/web-zone-page.mjs [--vps 100] [--days 365] [--cadence-min 120] [--runs 5] [--keep-dir DIR]
//
// Seeding (timed, not part of the figure): one zone, a scripted year (lab seconds = real seconds) with
// four quarterly ZSK pre-publish rolls and one KSK double-DS roll, observed every `cadence` minutes (default
// 120, 1.3 M rows, so that seeding plus measuring fits run-all's 5 minutes; `--cadence-min 60` gives the
// 2.7 M rows of an hourly year, about 6 minutes of seeding here; what the page loads does not grow with it) by
// the analyzer's synthesizer (packages/analyzer/dist/testing): the authoritative view (DNSKEY, SOA, NS,
// CDS, CDNSKEY, CSYNC at the zone's server, DS at the parent's) and `vps` caching validating resolvers
// (DS, DNSKEY, SOA each) in 20 countries on 6 continents, a few capping or stretching TTLs. Rows carry the
// parsed summary, not the raw wire bytes (withRaw: false; raw bytes cost insert time and disk and are
// never read by the zone page). The resolvers are synthesized in groups (the authoritative rows once),
// inserted through Store.insertObservations, enrolled as agents with their locations (Store.upsertAgent),
// and the zone is analysed as the analyzer's batch mode does it (runBatch's row path: analyzeWindow,
// analysisRecord, Store.putAnalysis; over the rows in memory, since reading 2.7 M rows back from chdb
// takes minutes), which stores the analysis the collector then serves. With --keep-dir DIR a store
// seeded earlier in DIR with the same parameters is reused (and a new one is left there). The seeding
// runs in a child process with a 12 GB heap (peak resident: 5.6 GB at the default cadence, 10 GB hourly).
//
// Measurement: `kto-collector serve` (packages/collector/dist/cli.js) on a free 127.0.0.1 port with that
// store; chromium opens http://127.0.0.1:PORT/#/zone/ZONE. "Interactive" = every key has its key-row,
// every transition of the analysis its card, every region its row, the world map its country paths and
// the lag chart its canvas, and then a real click (CDP input) on the first transition's evidence
// <summary> has opened that <details>. The figure is performance.now() in the page at that moment
// (milliseconds since navigation start), so it includes the round trips of the driver's checks (polled
// every animation frame). Cold = a new browser context (empty HTTP cache) per run; warm = the same
// context navigated away (about:blank) and back. API responses are fetched once more outside the browser
// for their sizes and times (one at a time, then the four analysis slices at once, as the page asks).
/* global document -- the functions passed to page.waitForFunction run in the browser */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values: args } = parseArgs({
  options: {
    vps: { type: 'string', default: '100' },
    days: { type: 'string', default: '365' },
    'cadence-min': { type: 'string', default: '120' },
    runs: { type: 'string', default: '5' },
    'keep-dir': { type: 'string' },
    'seed-only': { type: 'string' },
  },
});
const VPS = Number(args.vps);
const DAYS = Number(args.days);
const CADENCE_S = Number(args['cadence-min']) * 60;
const RUNS = Number(args.runs);
/** Resolvers synthesized per call (bounds the rows in memory at once). */
const GROUP = 10;
const DAY = 86_400;

const repo = fileURLToPath(new URL('..', import.meta.url));
const load = async (rel) => {
  try {
    return await import(pathToFileURL(join(repo, rel)).href);
  } catch (err) {
    console.error(`bench/web-zone-page: cannot load ${rel} (build first: npm run build): ${err.message}`);
    process.exit(1);
  }
};
const { openStore, analysisRecord } = await load('packages/collector/dist/index.js');
const { ANALYZER_NAME, analysisItems, analyzeWindow } = await load('packages/analyzer/dist/batch/index.js');
const { synthesizeObservations } = await load('packages/analyzer/dist/testing/synthesize.js');
const { stateAt, validateScenario } = await load('packages/lab/dist/index.js');
const { chromium } = await import('playwright-core');

const log = (msg) => process.stderr.write(`bench/web-zone-page: ${msg}\n`);
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

// --- the year -------------------------------------------------------------------------------------

/**
 * A year of one zone (lab seconds = real seconds): ZSK pre-publish rolls starting on days 15, 105, 195,
 * 285 (new key published, signing after 7 days, old key removed after 14; RFC 6781 §4.1.1.1), and a KSK
 * double-DS roll (RFC 6781 §4.1.2): new DS submitted on day 240 (at the parent a day later), DNSKEY
 * swap on day 245, old DS removal submitted on day 252. TTLs: DNSKEY and zone 1 h, DS 1 day.
 */
function yearScenario(days) {
  const zskDays = [15, 105, 195, 285].filter((d) => d + 14 < days);
  const steps = [];
  zskDays.forEach((d, i) => {
    const oldZ = `Z${i + 1}`;
    const newZ = `Z${i + 2}`;
    steps.push({ at: d * DAY, note: 'new ZSK DNSKEY', do: [{ publish: newZ }] });
    steps.push({ at: (d + 7) * DAY, note: 'new ZSK RRSIGs', do: [{ sign: newZ }, { unsign: oldZ }] });
    steps.push({ at: (d + 14) * DAY, note: 'old ZSK removal', do: [{ unpublish: oldZ }] });
  });
  const kskDay = 240;
  if (kskDay + 14 < days) {
    steps.push({ at: kskDay * DAY, note: 'new DS submitted', do: [{ dsAdd: 'K2' }] });
    steps.push({ at: (kskDay + 5) * DAY, note: 'DNSKEY swap K1 -> K2', do: [{ publish: 'K2' }, { sign: 'K2' }, { unsign: 'K1' }, { unpublish: 'K1' }] });
    steps.push({ at: (kskDay + 12) * DAY, note: 'old DS removal submitted', do: [{ dsRemove: 'K1' }] });
  }
  steps.sort((a, b) => a.at - b.at);
  return validateScenario({
    name: 'bench-year',
    kind: 'conformant',
    procedure: 'zsk-pre-publish',
    description: 'A year of quarterly ZSK pre-publish rolls and one KSK double-DS roll.',
    references: ['RFC 6781 §4.1.1.1', 'RFC 6781 §4.1.2'],
    label: 'year',
    ttl: { dnskey: 3600, zone: 3600, ds: DAY },
    parent: { mode: 'registration', delay: DAY },
    keys: [
      { id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'K2', role: 'KSK', algorithm: 13 },
      ...[1, 2, 3, 4, 5].map((n) => ({ id: `Z${n}`, role: 'ZSK', algorithm: 13 })),
    ],
    initial: { published: ['K1', 'Z1'], signing: [{ key: 'K1' }, { key: 'Z1' }], ds: ['K1'] },
    steps,
    duration: days * DAY,
    expectedFindings: [],
  });
}

/** 20 countries on 6 continents (ISO 3166-1 alpha-2, continent codes as agents declare them). */
const PLACES = [
  ['DE', 'EU'], ['FR', 'EU'], ['GB', 'EU'], ['NL', 'EU'], ['SE', 'EU'], ['PL', 'EU'], ['ES', 'EU'],
  ['US', 'NA'], ['CA', 'NA'], ['MX', 'NA'],
  ['BR', 'SA'], ['AR', 'SA'], ['CL', 'SA'],
  ['JP', 'AS'], ['IN', 'AS'], ['SG', 'AS'], ['KR', 'AS'],
  ['ZA', 'AF'], ['KE', 'AF'],
  ['AU', 'OC'],
];

/** `n` resolvers spread over PLACES: every 25th caps TTLs at 5 min, every 33rd stretches them 3x. */
function resolvers(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const [country, continent] = PLACES[i % PLACES.length];
    const id = `vp-${String(i + 1).padStart(3, '0')}-${country.toLowerCase()}`;
    if (i % 33 === 32) out.push({ id, behaviour: 'ttl-stretch', stretch: 3, country, continent });
    else if (i % 25 === 24) out.push({ id, behaviour: 'ttl-cap', cap: 300, country, continent });
    else out.push({ id, behaviour: 'honest', country, continent });
  }
  return out;
}

async function seed(dataDir) {
  const t0 = performance.now();
  const scenario = yearScenario(DAYS);
  const world = { ...scenario, stateAt: (t) => stateAt(scenario, t) };
  // the history ends on the hour before now, so the page shows a year up to about now
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const startMs = endMs - DAYS * DAY * 1000;
  const vps = resolvers(VPS);
  const store = await openStore({ mode: 'chdb', dataDir });
  let rows = 0;
  let synthMs = 0;
  let insertMs = 0;
  let zone = '';
  let keys;
  /** Every stored row, kept for the analysis (what runBatch would read back from the store). */
  const all = [];
  try {
    await store.migrate();
    for (let g = 0; g < vps.length; g += GROUP) {
      let t = performance.now();
      const syn = synthesizeObservations(world, {
        startMs, cadence: CADENCE_S, withRaw: false, resolvers: vps.slice(g, g + GROUP), ...(keys === undefined ? {} : { keys }),
      });
      keys = syn.keys;
      zone = syn.zone;
      // the authoritative view is the same in every group: stored once
      const mine = g === 0 ? syn.rows : syn.rows.filter((r) => r.vantage_kind !== 'authoritative');
      synthMs += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < mine.length; i += 10_000) await store.insertObservations(mine.slice(i, i + 10_000));
      insertMs += performance.now() - t;
      rows += mine.length;
      for (let i = 0; i < mine.length; i++) all.push(mine[i]);
      log(`seeded ${Math.min(g + GROUP, vps.length)}/${vps.length} resolvers, ${rows.toLocaleString('en')} rows`);
    }
    const now = Date.now();
    const agents = [...vps, { id: 'auth-agent', country: 'NL', continent: 'EU' }];
    for (const a of agents) {
      await store.upsertAgent({
        agent_id: a.id, public_key: randomBytes(32).toString('hex'), country: a.country, continent: a.continent, asn: 64_512,
        name: a.id, enrolled_at_ms: startMs, revoked: 0, revoked_at_ms: 0, updated_at_ms: now,
      });
    }
    await store.putZone({ zone, interval_s: CADENCE_S, qtypes: [], query_authoritatives: 1, added_at_ms: startMs, removed: 0, updated_at_ms: now });
    // batch mode's row path (runBatch): analyzeWindow over the zone's rows, analysisRecord, putAnalysis;
    // over the rows in memory instead of reading 2.7 M rows back from the store (minutes)
    let t = performance.now();
    const wall = Date.now();
    const window = { fromMs: 0, toMs: wall + 1, nowMs: wall };
    all.sort((x, y) => x.observed_at_ms - y.observed_at_ms);
    const a = analyzeWindow(zone, all, window);
    const analyzeMs = performance.now() - t;
    t = performance.now();
    await store.putAnalysis(analysisRecord(zone, analysisItems(a), {
      analysisId: 'batch', version: wall, mode: 'batch', analyzer: ANALYZER_NAME, window, observations: all.length,
    }));
    const writeMs = performance.now() - t;
    log(`analysed: ${a.observations.toLocaleString('en')} observations, ${a.transitions.length} transitions (${a.transitions.map((x) => x.procedure).join(', ')}), ${a.findings.length} findings`);
    const info = {
      zone, rows, vantage_points: vps.length, countries: new Set(vps.map((v) => v.country)).size,
      continents: new Set(vps.map((v) => v.continent)).size, days: DAYS, cadence_min: CADENCE_S / 60,
      transitions: a.transitions.map((x) => x.procedure), findings: a.findings.length, keys: a.keys.length,
      seed_s: {
        synthesize: round(synthMs / 1000, 1), insert: round(insertMs / 1000, 1),
        analyze: round(analyzeMs / 1000, 1), analysis_write: round(writeMs / 1000, 1), total: round((performance.now() - t0) / 1000, 1),
      },
    };
    return info;
  } finally {
    await store.close();
  }
}

function round(x, d = 0) {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

// --- main ---------------------------------------------------------------------------------------

if (args['seed-only'] !== undefined) {
  // child process (bigger heap): seed the store in the given directory, describe it in seed.json there
  const info = await seed(join(args['seed-only'], 'data'));
  writeFileSync(join(args['seed-only'], 'seed.json'), JSON.stringify({ params: seedParams(), info }));
  process.exit(0);
}

function seedParams() {
  return { vps: VPS, days: DAYS, cadence_s: CADENCE_S };
}

/** Seeds `dir` in a child process with a 12 GB heap (the analysis holds the whole year's rows at once). */
async function seedInChild(dir) {
  const child = spawn(process.execPath, ['--max-old-space-size=12288', fileURLToPath(import.meta.url), '--seed-only', dir,
    '--vps', String(VPS), '--days', String(DAYS), '--cadence-min', String(CADENCE_S / 60)], { stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  const code = await new Promise((res) => child.once('exit', (c, sig) => res(c ?? sig)));
  children.delete(child);
  if (code !== 0) throw new Error(`seeding failed (${code})`);
  return JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8')).info;
}

/** Processes this run started (the seeding child, the collector); stopped by PID if the bench is stopped. */
const children = new Set();
const keep = args['keep-dir'];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'kto-web-bench-'));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => {
    const gone = [...children].map((c) => new Promise((res) => {
      c.once('exit', res);
      c.kill('SIGTERM');
    }));
    void Promise.race([Promise.all(gone), new Promise((res) => setTimeout(res, 10_000))]).then(() => {
      if (keep === undefined) rmSync(dir, { recursive: true, force: true });
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  });
}
let seeded;
let reused = false;
try {
  const prior = keep !== undefined && existsSync(join(keep, 'seed.json')) ? JSON.parse(readFileSync(join(keep, 'seed.json'), 'utf8')) : null;
  if (prior !== null && JSON.stringify(prior.params) === JSON.stringify(seedParams())) {
    seeded = prior.info;
    reused = true;
    log(`reusing the store seeded in ${keep}`);
  } else {
    if (keep !== undefined) {
      rmSync(join(keep, 'seed.json'), { force: true });
      rmSync(join(keep, 'data'), { recursive: true, force: true });
    }
    mkdirSync(dir, { recursive: true });
    seeded = await seedInChild(dir);
  }
  const loadBefore = loadavg()[0];
  const measured = await measureAll(dir, seeded.zone);
  console.log(JSON.stringify({
    bench: 'web-zone-page', goal_ms: 1000, ...measured.summary, load_avg_1m: [round(loadBefore, 1), round(loadavg()[0], 1)], seed: { reused, ...seeded }, api: measured.api, bundle: bundleSizes(),
    runs: { cold_ms: measured.cold, warm_ms: measured.warm, cold_rendered_ms: measured.coldRendered, warm_rendered_ms: measured.warmRendered },
  }));
} finally {
  if (keep === undefined) rmSync(dir, { recursive: true, force: true });
}

// --- measurement ----------------------------------------------------------------------------------

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function startCollector(dataDir, port) {
  const child = spawn(process.execPath, [join(repo, 'packages/collector/dist/cli.js'), 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`,
    '--admin-token-file', join(dataDir, '..', 'admin-token'), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  let exited = null;
  child.once('exit', (c, sig) => {
    exited = c ?? sig;
    children.delete(child);
  });
  const until = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`the collector exited (${exited})`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (Date.now() > until) {
      child.kill('SIGTERM');
      throw new Error('the collector did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopCollector(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(timer);
}

/** Each API call of the zone page, fetched here one at a time: bytes and milliseconds (the median of 3); then the four analysis slices in parallel. */
async function apiFigures(base, zone) {
  const seg = encodeURIComponent(zone);
  const out = {};
  for (const which of ['keys', 'transitions', 'findings', 'lag', 'observations?limit=100']) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await fetch(`${base}/v1/zones/${seg}/${which}`);
      const body = await r.arrayBuffer();
      times.push(performance.now() - t);
      if (!r.ok) throw new Error(`GET ${which}: HTTP ${r.status}`);
      bytes = body.byteLength;
    }
    out[which.replace(/\?.*/, '')] = { bytes, ms: round(median(times), 1) };
  }
  // the four slices at once, as the zone page asks for them
  const together = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await Promise.all(['keys', 'transitions', 'findings', 'lag'].map((w) => fetch(`${base}/v1/zones/${seg}/${w}`).then((r) => r.arrayBuffer())));
    together.push(performance.now() - t);
  }
  out.four_slices_at_once_ms = round(median(together), 1);
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One load of the zone page: resolves with [rendered, interactive] in ms since navigation start (the
 * page's performance.now()). `expect` holds the counts the page must show.
 */
async function loadOnce(page, url, expect) {
  await page.goto(url, { waitUntil: 'commit' });
  const rendered = await page.waitForFunction((e) => {
    const n = (sel) => document.querySelectorAll(sel).length;
    if (n('[data-testid="key-row"]') !== e.keys) return false;
    if (n('[data-testid="transition"]') !== e.transitions) return false;
    if (n('[data-testid="region-row"]') !== e.regions) return false;
    if (n('figure.map svg path.seen') + n('figure.map svg path.lagging') === 0) return false;
    if (n('.lag-chart canvas') === 0) return false;
    return performance.now();
  }, expect, { polling: 'raf', timeout: 120_000 });
  const renderedMs = await rendered.jsonValue();
  await page.locator('[data-testid="transition"] details > summary').first().click();
  const done = await page.waitForFunction(() => {
    const d = document.querySelector('[data-testid="transition"] details');
    return d !== null && d.open ? performance.now() : false;
  }, null, { polling: 'raf', timeout: 30_000 });
  return [renderedMs, await done.jsonValue()];
}

async function measureAll(dir, zone) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const collector = await startCollector(join(dir, 'data'), port);
  let browser;
  try {
    const api = await apiFigures(base, zone);
    const seg = encodeURIComponent(zone);
    const keys = await (await fetch(`${base}/v1/zones/${seg}/keys`)).json();
    const transitions = await (await fetch(`${base}/v1/zones/${seg}/transitions`)).json();
    const lag = await (await fetch(`${base}/v1/zones/${seg}/lag`)).json();
    const regions = new Set(lag.vantages.filter((v) => v.vantage !== 'authoritative').map((v) => `${v.continent || '??'}/${v.country || '??'}`)).size;
    const expect = { keys: keys.keys.length, transitions: transitions.transitions.length, regions };
    if (expect.transitions === 0) throw new Error('the analysis has no transition: nothing to click');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const url = `${base}/#/zone/${zone}`;
    const cold = [];
    const warm = [];
    const coldRendered = [];
    const warmRendered = [];
    let resources = null;
    let liveBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('websocket', (ws) => ws.on('framereceived', (f) => { liveBytes = Math.max(liveBytes, typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length); }));
      const [cr, c] = await loadOnce(page, url, expect);
      coldRendered.push(round(cr));
      cold.push(round(c));
      if (resources === null) {
        resources = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => ({
          name: new URL(r.name).pathname.replace(/^.*\/(assets\/[^-]+)-[^.]+(\.\w+)$/, '$1$2'), bytes: r.encodedBodySize,
          start_ms: Math.round(r.startTime), end_ms: Math.round(r.responseEnd),
        })));
      }
      await page.goto('about:blank');
      const [wr, w] = await loadOnce(page, url, expect);
      warmRendered.push(round(wr));
      warm.push(round(w));
      if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
      await context.close();
      log(`run ${i + 1}/${RUNS}: cold ${round(c)} ms (rendered ${round(cr)}), warm ${round(w)} ms (rendered ${round(wr)})`);
    }
    return {
      cold, warm, coldRendered, warmRendered,
      summary: {
        cold_median_ms: median(cold), cold_max_ms: Math.max(...cold), warm_median_ms: median(warm), warm_max_ms: Math.max(...warm), runs: RUNS,
        shown: expect,
      },
      api: { ...api, live_first_message_bytes: liveBytes, browser_first_cold_load: resources },
    };
  } finally {
    await browser?.close();
    await stopCollector(collector);
  }
}

/** The dashboard bundle (packages/web/dist/assets): JS and CSS, raw and gzip -9 bytes. */
function bundleSizes() {
  const assets = join(repo, 'packages/web/dist/assets');
  const out = { js_bytes: 0, js_gzip_bytes: 0, css_bytes: 0, css_gzip_bytes: 0, files: 0 };
  for (const f of readdirSync(assets)) {
    const kind = f.endsWith('.js') ? 'js' : f.endsWith('.css') ? 'css' : null;
    if (kind === null) continue;
    const body = readFileSync(join(assets, f));
    out[`${kind}_bytes`] += statSync(join(assets, f)).size;
    out[`${kind}_gzip_bytes`] += gzipSync(body, { level: 9 }).length;
    out.files++;
  }
  return out;
}
