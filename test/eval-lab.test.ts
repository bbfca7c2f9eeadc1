// The accuracy evaluation, short: scripts/eval-lab.mjs (build first: it runs packages/*/dist) on five
// scenarios of the catalogue (a multi-signer join among them), one seed at speed 5, through the real
// pipeline (lab on 127.70 with four Unbound resolvers, one kto-agent per resolver, kto-collector on
// chdb). The analysis of every zone's stored observations must meet the targets against the scenarios'
// ground truth: the procedure (for a broken scenario, the one it attempts) and no finding in a
// conformant scenario, every expected finding of a broken one inside its window, the TTL-stretching
// resolver lagging and the TTL-capping one showing its cap, no honest resolver flagged.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCENARIOS = ['zsk-pre-publish', 'ksk-double-ds', 'multi-signer-join', 'broken-zsk-early-activation', 'broken-rrsig-expired'];

interface ZoneResult {
  scenario: string;
  kind: 'conformant' | 'broken';
  truth_procedure: string;
  predicted: string;
  procedure_ok: boolean;
  expected_findings: string[];
  reported_findings: string[];
  in_window: Record<string, boolean>;
  rows: number;
  invalid_signatures: number;
  lag: { resolver: string; behaviour: string; lagging: boolean | null; capped: boolean }[];
}
interface EvalJson {
  seeds: { seed: number; speed: number; zones: ZoneResult[] }[];
  summary: { zones: number; procedure_correct: number; lag: Record<string, { behaviour: string; zones: number; lagging: number; capped: number }> };
}

let dir: string;
let result: EvalJson;
let output = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kto-eval-test-'));
  const out = join(dir, 'eval.json');
  const child = spawn(process.execPath, [join(ROOT, 'scripts/eval-lab.mjs'), '--seeds', '1', '--speed', '5', '--base', '127.70',
    '--scenarios', SCENARIOS.join(','), '--no-root', '--json', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const timer = setTimeout(() => { if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM'); }, 150_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  expect(code, output).toBe(0);
  result = JSON.parse(await readFile(out, 'utf8')) as EvalJson;
}, 170_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const zones = (): ZoneResult[] => result.seeds.flatMap((s) => s.zones);
const zone = (name: string): ZoneResult => {
  const z = zones().find((x) => x.scenario === name);
  if (z === undefined) throw new Error(`no result for ${name}`);
  return z;
};

describe('eval-lab, short: the analyzer against the ground truth through the real pipeline', () => {
  it('analysed every scenario from stored observations', () => {
    expect(zones().map((z) => z.scenario).sort()).toEqual([...SCENARIOS].sort());
    for (const z of zones()) expect(z.rows, z.scenario).toBeGreaterThan(100);
  });

  it.each(SCENARIOS.filter((n) => !n.startsWith('broken-')))('%s (conformant): its procedure, no finding, every signature valid', (name) => {
    const z = zone(name);
    expect(z.kind).toBe('conformant');
    expect({ name, predicted: z.predicted, ok: z.procedure_ok }).toEqual({ name, predicted: z.predicted, ok: true });
    expect(z.reported_findings).toEqual([]);
    expect(z.invalid_signatures).toBe(0);
  });

  // a broken scenario's truth names the procedure it attempts (none for signatures left to expire)
  it.each(SCENARIOS.filter((n) => n.startsWith('broken-')))('%s (broken): the procedure attempted, every expected finding, inside its window', (name) => {
    const z = zone(name);
    expect(z.kind).toBe('broken');
    expect({ name, predicted: z.predicted, ok: z.procedure_ok }).toEqual({ name, predicted: z.predicted, ok: true });
    expect(z.expected_findings.length).toBeGreaterThan(0);
    for (const code of z.expected_findings) {
      expect(z.reported_findings).toContain(code);
      expect({ code, inWindow: z.in_window[code] }).toEqual({ code, inWindow: true });
    }
  });

  it('lag: the ttl-stretch resolver lags, the ttl-cap one shows its cap, no honest one is flagged', () => {
    const lag = Object.values(result.summary.lag);
    expect(lag.map((l) => l.behaviour).sort()).toEqual(['honest', 'honest', 'ttl-cap', 'ttl-stretch']);
    for (const l of lag) {
      expect(l.zones).toBe(SCENARIOS.length);
      if (l.behaviour === 'honest') expect([l.lagging, l.capped]).toEqual([0, 0]);
      if (l.behaviour === 'ttl-stretch') expect(l.lagging).toBeGreaterThan(0);
      if (l.behaviour === 'ttl-cap') expect([l.lagging, l.capped > 0]).toEqual([0, true]);
    }
  });
});
