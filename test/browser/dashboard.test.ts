// The dashboard in a real browser (issue 5): the demo (scripts/demo.mjs) runs a lab with one
// conformant rollover at high speed, an honest and a ttl-stretch Unbound resolver with one kto-agent
// each, and the collector serving the dashboard; Debian's chromium, driven by playwright-core, opens
// the zone page and must show, without a reload, the transition appear and get classified as the
// scenario's procedure, and the ttl-stretch resolver's region highlighted as lagging. Every request
// the pages make must stay on 127.0.0.1. Screenshots of each page go to test-artifacts/browser/, and
// to docs/screenshots/ with KTO_UPDATE_SCREENSHOTS=1.
// Needs: npm run build (collector, agent, lab, web), Debian packages chromium and unbound.

import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/kto.js';
import { findBinary, isPidAlive, startDaemon, waitFor } from '../support/processes.js';
import type { Daemon } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEMO = join(ROOT, 'scripts/demo.mjs');
const ARTIFACTS = join(ROOT, 'test-artifacts/browser');
const SCREENSHOTS = join(ROOT, 'docs/screenshots');
/** A conformant rollover the analyzer classifies once it completes (lab t = 175 s: 35 s at speed 5). */
const SCENARIO = 'csk-rollover';
const SPEED = 5;
const HONEST = 'eu-cz-1';
const STRETCH = 'as-jp-1';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

interface DemoReady {
  url: string;
  api: string;
  dir: string;
  direct: boolean;
  zones: { zone: string; scenario: string; kind: string; procedure: string; duration: number }[];
  resolvers: { id: string; country: string; continent: string; behaviour: string; address: string; pid: number }[];
  pids: number[];
}

interface TransitionsBody {
  transitions: { procedure: string; status: string }[];
}

let dir = '';
let demo: Daemon | undefined;
let ready: DemoReady;
let context: BrowserContext | undefined;
let page: Page;
const requested: string[] = [];
const pageErrors: string[] = [];

/** The zone's transitions from the API now ([] while there is no analysis). */
async function apiTransitions(zone: string): Promise<TransitionsBody['transitions']> {
  const r = await fetch(`${ready.api}/v1/zones/${encodeURIComponent(zone)}/transitions`);
  if (r.status === 404) return [];
  expect(r.status, `GET transitions of ${zone}`).toBe(200);
  return ((await r.json()) as TransitionsBody).transitions;
}

/** Runs a step of a page; when it fails, the page as it was is kept as test-artifacts/browser/<name>-failed.png. */
async function onPage<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}-failed.png`), fullPage: true }).catch(() => undefined);
    throw err;
  }
}

async function screenshot(name: string): Promise<void> {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env['KTO_UPDATE_SCREENSHOTS'] === '1') await copyFile(file, join(SCREENSHOTS, `${name}.png`));
}

beforeAll(async () => {
  // fails (KTO_ERR_PROC_MISSING_BINARY) naming the Debian packages when they are not installed
  const executablePath = await findBinary('chromium', 'chromium');
  await findBinary('unbound', 'unbound');
  dir = await mkdtemp(join(tmpdir(), 'kto-browser-'));
  await mkdir(ARTIFACTS, { recursive: true });
  if (process.env['KTO_UPDATE_SCREENSHOTS'] === '1') await mkdir(SCREENSHOTS, { recursive: true });

  const port = await freePort();
  const logFile = join(dir, 'demo.log');
  demo = await startDaemon('demo', process.execPath, [DEMO, '--listen', `127.0.0.1:${port}`, '--base', '127.72', '--speed', String(SPEED),
    '--interval', '1', '--scenarios', SCENARIO, '--resolvers', `${HONEST},${STRETCH}`, '--state', join(dir, 'state')], { logFile });
  const d = demo;
  ready = await waitFor(async () => {
    const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.startsWith('KTO_DEMO_READY '));
    return line === undefined ? undefined : (JSON.parse(line.slice('KTO_DEMO_READY '.length)) as DemoReady);
  }, { what: 'the demo ready (KTO_DEMO_READY)', timeoutMs: 90_000, intervalMs: 200, check: () => d.assertRunning() });
  expect(ready.direct, 'the lab started its Unbound resolvers').toBe(false);
  expect(ready.resolvers.map((r) => [r.id, r.behaviour])).toEqual([[HONEST, 'honest'], [STRETCH, 'ttl-stretch']]);
  const index = await fetch(ready.url);
  expect(index.status, `GET ${ready.url}: the collector serves the dashboard at / (build packages/web first)`).toBe(200);
  expect(index.headers.get('content-type') ?? '').toContain('text/html');

  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
  });
  context.on('request', (req) => { requested.push(req.url()); });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (ws) => { requested.push(ws.url()); });
  page.on('pageerror', (err) => { pageErrors.push(err.message); });
}, 150_000);

afterAll(async () => {
  await context?.close();
  const pids = ready === undefined ? [] : [...ready.pids, ...ready.resolvers.map((r) => r.pid)];
  await demo?.stop(30_000);
  // the demo stops what it started (agents, collector, the lab's Unbound) by PID
  for (const pid of pids) expect(isPidAlive(pid), `PID ${pid} started by the demo still runs`).toBe(false);
  if (dir !== '') await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('dashboard against a running lab', () => {
  it('shows the transition appear and get classified on the zone page, live, without a reload', async () => {
    const zone = ready.zones.find((z) => z.scenario === SCENARIO);
    expect(zone, `the demo runs ${SCENARIO}`).toBeDefined();
    const { zone: name, procedure } = zone!;
    await onPage('zone', async () => {
      await page.goto(`${ready.api}/#/zone/${name}`);
      await expect.poll(() => page.locator('[data-testid="live-status"]').textContent(), { timeout: 20_000 }).toMatch(/^\s*live/);
      // a marker that a reload would lose
      await page.evaluate(() => { (window as unknown as { ktoMarker: number }).ktoMarker = 42; });
      // the scenario has not completed yet: the classification must arrive while the page is open
      expect((await apiTransitions(name)).filter((t) => t.procedure === procedure), 'already classified before the page was open').toEqual([]);
      const classified = page.locator(`[data-testid="transition"][data-procedure="${procedure}"]`);
      await classified.first().waitFor({ state: 'visible', timeout: 90_000 });
      expect(await page.evaluate(() => (window as unknown as { ktoMarker?: number }).ktoMarker), 'the page was reloaded').toBe(42);
      expect((await apiTransitions(name)).some((t) => t.procedure === procedure), 'the page shows what the API says').toBe(true);
      await expect.poll(() => page.locator('[data-testid="live-status"]').textContent()).toMatch(/^\s*live/);
      expect(await page.locator('[data-testid="key-row"]').count(), 'one key-row per key (two CSKs)').toBeGreaterThanOrEqual(2);
    });
  });

  it('highlights the region of the ttl-stretch resolver as lagging, and not the honest one', async () => {
    const at = (id: string): string => {
      const r = ready.resolvers.find((x) => x.id === id)!;
      return `${r.continent}/${r.country}`;
    };
    await onPage('zone', async () => {
      const stretch = page.locator(`[data-testid="region-row"][data-region="${at(STRETCH)}"]`);
      await expect.poll(() => stretch.getAttribute('data-lagging'), { timeout: 60_000 }).toBe('true');
      expect(await page.locator(`[data-testid="region-row"][data-region="${at(HONEST)}"]`).getAttribute('data-lagging')).toBe('false');
      // with Unbound running the demo's agents ask resolvers: no "servers queried directly" note
      expect(await page.locator('[data-testid="mode-note"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { ktoMarker?: number }).ktoMarker), 'the page was reloaded').toBe(42);
    });
    await screenshot('zone');
  });

  it('renders the overview, research and agents pages', async () => {
    const zone = ready.zones[0]!;
    await onPage('overview', async () => {
      await page.goto(`${ready.api}/#/`);
      const row = page.locator(`[data-testid="zone-row"][data-zone="${zone.zone}"]`);
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      expect(await row.locator('[data-testid="zone-state"]').textContent()).toMatch(/^\s*(steady|transition|problem|no data)/);
    });
    await screenshot('overview');

    await onPage('research', async () => {
      await page.goto(`${ready.api}/#/research?procedure=${zone.procedure}`);
      await page.locator(`[data-testid="transition"][data-procedure="${zone.procedure}"]`).first().waitFor({ state: 'visible', timeout: 20_000 });
    });
    await screenshot('research');

    await onPage('agents', async () => {
      await page.goto(`${ready.api}/#/agents`);
      await expect.poll(() => page.locator('[data-testid="agent-row"]').count(), { timeout: 20_000 }).toBe(ready.resolvers.length);
    });
    await screenshot('agents');
  });

  it('made no request beyond 127.0.0.1 and raised no uncaught page error', () => {
    expect(requested.length).toBeGreaterThan(0);
    const away = requested.filter((u) => {
      const { protocol, hostname } = new URL(u);
      return !(protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1');
    });
    expect(away).toEqual([]);
    expect(requested.some((u) => u.startsWith('ws://127.0.0.1:') && u.includes('/v1/live')), 'a WebSocket to /v1/live').toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
