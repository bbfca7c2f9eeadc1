import { describe, expect, it } from 'vitest';
import { validateScenario } from '../scenario/validate.js';
import type { Procedure } from '../scenario/types.js';
import { truthOf } from '../truth/index.js';
import { catalogue, scenarioByName } from './index.js';

// The list (issue 3, item 3), as procedures and mistakes; each must be in the catalogue.
const CONFORMANT: Procedure[] = [
  'zsk-pre-publish', 'zsk-double-signature', 'zsk-double-rrsig', 'ksk-double-ksk', 'ksk-double-ds', 'ksk-double-rrset',
  'csk-rollover', 'algorithm-rollover-conservative', 'algorithm-rollover-liberal', 'rfc5011-rollover',
  'multi-signer-join', 'multi-signer-steady', 'multi-signer-leave', 'ds-change-cds', 'ns-change-csync',
];
const MISTAKES = [
  'KEY_ACTIVATED_BEFORE_PREPUBLISH', 'KEY_REMOVED_WHILE_SIGNATURES_CACHED', 'DS_CHANGED_BEFORE_KEY_PROPAGATED',
  'RRSIG_BY_ABSENT_KEY_WITHOUT_COVER', 'RRSIG_EXPIRED', 'MULTI_SIGNER_ZSK_MISSING', 'HANDOFF_WENT_INSECURE',
];

describe('scenario catalogue', () => {
  it('every scenario passes the engine\'s validateScenario (also as JSON, as a scenario file would)', () => {
    for (const s of catalogue) {
      expect(validateScenario(s)).toBe(s);
      expect(validateScenario(JSON.parse(JSON.stringify(s)))).toEqual(s);
    }
  });

  it('names and zone labels are unique; the catalogue is sorted by name; scenarioByName finds each', () => {
    const names = catalogue.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(catalogue.map((s) => s.label)).size).toBe(names.length);
    expect([...names].sort()).toEqual(names);
    for (const s of catalogue) expect(scenarioByName(s.name)).toBe(s);
    expect(scenarioByName('no-such-scenario')).toBeUndefined();
  });

  it('covers every procedure of the issue, both algorithm rollovers for 8->13 and 13->15, and an n->m transition', () => {
    for (const p of CONFORMANT) expect(catalogue.some((s) => s.kind === 'conformant' && s.procedure === p), p).toBe(true);
    for (const p of ['algorithm-rollover-conservative', 'algorithm-rollover-liberal'] as const) {
      for (const [from, to] of [[8, 13], [13, 15]]) {
        const hit = catalogue.some((s) => s.procedure === p && truthOf(s).transitions.some((t) => t.algorithmsOut.includes(from as number) && t.algorithmsIn.includes(to as number)));
        expect(hit, `${p} ${from}->${to}`).toBe(true);
      }
    }
    const nm = catalogue.some((s) => s.kind === 'conformant' && truthOf(s).transitions.some((t) => t.role === 'ZSK' && t.keysOut.length === 2 && t.keysIn.length === 1));
    expect(nm).toBe(true);
    // multi-signer model 2: two providers, each with its own KSK and ZSK
    for (const s of catalogue.filter((x) => x.procedure.startsWith('multi-signer'))) {
      for (const p of ['A', 'B']) {
        expect(s.keys.some((k) => k.provider === p && k.role === 'KSK'), `${s.name} KSK at ${p}`).toBe(true);
        expect(s.keys.some((k) => k.provider === p && k.role === 'ZSK'), `${s.name} ZSK at ${p}`).toBe(true);
      }
    }
  });

  it('covers every mistake of the issue, each in exactly one broken scenario', () => {
    for (const code of MISTAKES) {
      const hits = catalogue.filter((s) => s.kind === 'broken' && s.expectedFindings.some((f) => f.code === code));
      expect(hits.length, code).toBe(1);
    }
    expect(catalogue.filter((s) => s.kind === 'broken').length).toBe(MISTAKES.length);
  });

  it('conformant scenarios break no rule and keep every RFC 7583 wait; they expect no finding and no failure', () => {
    for (const s of catalogue.filter((x) => x.kind === 'conformant')) {
      const t = truthOf(s);
      expect(t.violations, s.name).toEqual([]);
      expect(t.waits.every((w) => w.respected), s.name).toBe(true);
      expect(s.expectedFindings, s.name).toEqual([]);
      expect(s.expectedValidationFailure, s.name).toBeUndefined();
    }
  });

  it('each broken scenario breaks exactly the rule its finding names, for the keys it names, inside its window', () => {
    for (const s of catalogue.filter((x) => x.kind === 'broken')) {
      const t = truthOf(s);
      expect(t.violations.map((v) => v.code), s.name).toEqual(s.expectedFindings.map((f) => f.code));
      for (const f of s.expectedFindings) {
        const v = t.violations.find((x) => x.code === f.code);
        expect(v, s.name).toBeDefined();
        if (v === undefined) continue;
        expect(v.keys, s.name).toEqual(f.keys);
        // the finding is detectable from the first offending state on
        expect(f.from, s.name).toBe(v.at);
        expect(f.to, s.name).toBeGreaterThan(f.from);
      }
      // the validation-failure window lies where the broken rule lets a validator fail
      const w = s.expectedValidationFailure;
      expect(w, s.name).toBeDefined();
      if (w === undefined) continue;
      const possible = t.violations.map((v) => v.failurePossible);
      const from = Math.min(...possible.map((p) => p.from));
      const to = Math.max(...possible.map((p) => p.to ?? Infinity));
      expect(w.from, s.name).toBeGreaterThanOrEqual(from);
      expect(w.to, s.name).toBeLessThanOrEqual(to);
      expect(w.to, s.name).toBeLessThanOrEqual(s.duration);
      // the wait the mistake skips is reported as not respected
      const broken = t.waits.filter((x) => !x.respected).map((x) => x.rule);
      for (const code of broken) expect(s.expectedFindings.map((f) => f.code)).toContain(code);
    }
  });

  it('times are short lab times: TTLs of tens of seconds, durations of a few hundred', () => {
    for (const s of catalogue) {
      expect(s.duration, s.name).toBeLessThanOrEqual(400);
      for (const v of Object.values(s.ttl)) expect(v, s.name).toBeLessThanOrEqual(180);
      expect(s.references.length, s.name).toBeGreaterThan(0);
    }
  });
});
