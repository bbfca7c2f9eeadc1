// The whole scenario catalogue in one lab, all scenarios in parallel on their own addresses, on a
// clock ten times faster than real, observed through two honest Unbound resolvers, a validating one
// behind a shared cache, and an honest one whose multi-provider name servers disagree (split-anycast:
// key RRsets from one provider, the rest from another): every conformant scenario validates at every
// poll through the honest and split ones; every broken one fails validation through at least one of
// them inside its predicted window (two mistakes show only behind a cache or a split: Unbound
// validates data once, when it enters its cache, and retries another server on a bogus answer;
// truth/README.md).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE } from '@kto/core';
import { probeLab } from './probe.js';
import type { ProbeResult } from './probe.js';
import { catalogue } from './scenarios/index.js';
import { startLab } from './world.js';
import type { RunningLab } from './world.js';

const SPEED = 10;
const HONEST = [
  { id: 'eu-cz-1', country: 'CZ', continent: 'EU', behaviour: 'honest' },
  { id: 'na-us-1', country: 'US', continent: 'NA', behaviour: 'honest' },
  { id: 'af-za-1', country: 'ZA', continent: 'AF', behaviour: 'behind-cache' },
  { id: 'eu-de-1', country: 'DE', continent: 'EU', behaviour: 'split-anycast' },
] as const;
// conformant scenarios must validate through these at every poll
const MUST_VALIDATE = new Set(['honest', 'split-anycast']);


let lab: RunningLab;
let polls: ProbeResult[] = [];

beforeAll(async () => {
  lab = await startLab({ scenarios: catalogue, speed: SPEED, base: '127.65', resolvers: [...HONEST] });
  polls = await probeLab(lab, { interval: 2.5 });
}, 240_000);

afterAll(async () => {
  // what the cache-backed vantage point saw of the conformant scenarios (reported, not asserted)
  const behind = polls.filter((p) => p.behaviour === 'behind-cache' && !validated(p) && catalogue.find((s) => s.name === p.scenario)?.kind === 'conformant');
  console.log(`behind-cache: ${behind.length} failed polls in conformant scenarios${behind.length > 0 ? `:\n${show(behind)}` : ''}`);
  await lab?.stop();
});

const validated = (p: ProbeResult): boolean => p.ad && (p.rcode === RCODE.NOERROR || p.rcode === RCODE.NXDOMAIN);
const show = (list: readonly ProbeResult[]): string =>
  list.slice(0, 8).map((p) => `t=${p.t.toFixed(1)} ${p.resolver} ${p.qname} ${p.qtype} rcode=${p.rcode} ad=${p.ad ? 1 : 0}`).join('\n');

describe('the catalogue through honest resolvers', () => {
  it.each(catalogue.filter((s) => s.kind === 'conformant').map((s) => [s.name, s] as const))('%s validates at every poll', (_name, s) => {
    const mine = polls.filter((p) => p.scenario === s.name && MUST_VALIDATE.has(p.behaviour));
    expect(new Set(mine.map((p) => p.behaviour))).toEqual(MUST_VALIDATE);
    expect(Math.max(...mine.map((p) => p.t))).toBeGreaterThan(s.duration);
    const bad = mine.filter((p) => !validated(p));
    expect(bad, show(bad)).toEqual([]);
  });

  it.each(catalogue.filter((s) => s.kind === 'broken').map((s) => [s.name, s] as const))('%s fails validation inside its window', (_name, s) => {
    const window = s.expectedValidationFailure;
    expect(window).toBeDefined();
    const { from, to } = window as { from: number; to: number };
    const mine = polls.filter((p) => p.scenario === s.name);
    const failures = mine.filter((p) => p.rcode === RCODE.SERVFAIL);
    const inside = failures.filter((p) => p.t >= from && p.t <= to);
    expect(inside.length, `SERVFAIL at ${failures.map((p) => `${p.t.toFixed(0)}/${p.resolver}`).join(' ') || 'no time'}`).toBeGreaterThan(0);
    const early = mine.filter((p) => p.t < from && !validated(p) && MUST_VALIDATE.has(p.behaviour));
    expect(early, show(early)).toEqual([]);
  });
});
