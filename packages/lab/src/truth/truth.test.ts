import { describe, expect, it } from 'vitest';
import { isKtoError, keyTag } from '@kto/core';
import { generateDnssecKey } from '@kto/core/node';
import type { Scenario } from '../scenario/types.js';
import { catalogue, scenarioByName } from '../scenarios/index.js';
import { LAB_DPRP, LAB_DSGN, keyTagsOf, truthOf } from './index.js';

function scenario(name: string): Scenario {
  const s = scenarioByName(name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s;
}

/** A copy of s with step i moved to `at` (kept sorted). */
function moved(s: Scenario, i: number, at: number): Scenario {
  const steps = s.steps.map((st, j) => (j === i ? { ...st, at } : st)).sort((a, b) => a.at - b.at);
  return { ...s, steps };
}

describe('truthOf', () => {
  it('is JSON: it round-trips unchanged for every scenario', () => {
    for (const s of catalogue) {
      const t = truthOf(s);
      expect(JSON.parse(JSON.stringify(t))).toEqual(t);
    }
  });

  it('derives per-key times from the steps (ZSK pre-publish) and the RFC 7583 waits from the TTLs', () => {
    const s = scenario('zsk-pre-publish');
    const t = truthOf(s);
    const z10 = t.keys.find((k) => k.id === 'Z10');
    const z11 = t.keys.find((k) => k.id === 'Z11');
    const pub = s.steps[0]?.at as number;
    const act = s.steps[1]?.at as number;
    const rem = s.steps[2]?.at as number;
    expect(z11).toMatchObject({ t_pub: pub, t_unpub: null, t_sign: { zone: act }, t_unsign: { zone: null }, t_ds: null });
    expect(z10).toMatchObject({ t_pub: 0, t_unpub: rem, t_sign: { zone: 0 }, t_unsign: { zone: act } });
    const [tr] = t.transitions;
    expect(tr).toMatchObject({ role: 'ZSK', keysOut: ['Z10'], keysIn: ['Z11'], prePublish: { Z11: act - pub }, postRetire: { Z10: rem - act }, doubleSign: 0 });
    const ipub = t.waits.find((w) => w.name === 'Ipub');
    const iret = t.waits.find((w) => w.name === 'Iret');
    expect(ipub?.seconds).toBe(LAB_DPRP + s.ttl.dnskey);
    expect(iret?.seconds).toBe(LAB_DSGN + LAB_DPRP + s.ttl.zone);
    expect(act - pub).toBeGreaterThanOrEqual(ipub?.seconds as number);
    expect(rem - act).toBeGreaterThanOrEqual(iret?.seconds as number);
  });

  it('applies the parent registration delay and the CDS scan to t_ds / t_ds_gone', () => {
    const dk = truthOf(scenario('ksk-double-ksk'));
    const s = scenario('ksk-double-ksk');
    const delay = s.parent.mode === 'registration' ? s.parent.delay : NaN;
    const submitted = s.steps.find((st) => st.do.some((a) => 'dsAdd' in a))?.at as number;
    expect(dk.keys.find((k) => k.id === 'K2')?.t_ds).toBe(submitted + delay);
    expect(dk.keys.find((k) => k.id === 'K1')?.t_ds_gone).toBe(submitted + delay);
    const cds = scenario('ds-change-cds');
    const interval = cds.parent.mode === 'cds-scan' ? cds.parent.interval : NaN;
    const published = cds.steps.find((st) => st.do.some((a) => 'cds' in a))?.at as number;
    expect(truthOf(cds).keys.find((k) => k.id === 'K2')?.t_ds).toBe(Math.ceil(published / interval) * interval);
  });

  it('records RFC 5011 revocation', () => {
    const s = scenario('rfc5011-rollover');
    const revokeAt = s.steps.find((st) => st.do.some((a) => 'revoke' in a))?.at;
    expect(truthOf(s).keys.find((k) => k.id === 'K1')?.t_revoke).toBe(revokeAt);
    expect(truthOf(s).keys.find((k) => k.id === 'K2')?.t_revoke).toBeNull();
  });

  it('finds each mistake when a conformant timeline is bent just past the wait it needs', () => {
    const pp = scenario('zsk-pre-publish');
    const act = pp.steps[1]?.at as number;
    const pub = pp.steps[0]?.at as number;
    // new RRSIGs one second before Ipub has passed
    const early = truthOf(moved(pp, 1, pub + LAB_DPRP + pp.ttl.dnskey - 1));
    expect(early.violations.map((v) => v.code)).toEqual(['KEY_ACTIVATED_BEFORE_PREPUBLISH']);
    expect(early.waits.find((w) => w.name === 'Ipub')?.respected).toBe(false);
    // exactly Ipub: fine
    expect(truthOf(moved(pp, 1, pub + LAB_DPRP + pp.ttl.dnskey)).violations).toEqual([]);
    // removal one second before Iret has passed
    const late = truthOf(moved(pp, 2, act + LAB_DSGN + LAB_DPRP + pp.ttl.zone - 1));
    expect(late.violations.map((v) => v.code)).toEqual(['KEY_REMOVED_WHILE_SIGNATURES_CACHED']);

    const dk = scenario('ksk-double-ksk');
    const dsStep = dk.steps.findIndex((st) => st.do.some((a) => 'dsAdd' in a));
    const k2 = dk.steps[0]?.at as number;
    const delay = dk.parent.mode === 'registration' ? dk.parent.delay : NaN;
    // the DS reaches the parent one second before IpubC after K2's publication
    const dsEarly = truthOf(moved(dk, dsStep, k2 + LAB_DPRP + dk.ttl.dnskey - delay - 1));
    expect(dsEarly.violations.map((v) => v.code)).toEqual(['DS_CHANGED_BEFORE_KEY_PROPAGATED']);
    // K1 removed one second before the old DS has left every cache (IretP)
    const dsAt = (dk.steps[dsStep]?.at as number) + delay;
    const k1Early = truthOf(moved(dk, 2, dsAt + LAB_DPRP + dk.ttl.ds - 1));
    expect(k1Early.violations.map((v) => v.code)).toEqual(['KSK_REMOVED_WHILE_DS_CACHED']);
  });

  it('maps key ids to the key tags of generated keys (and their REVOKE tags)', () => {
    const s = scenario('rfc5011-rollover');
    const generated = new Map(s.keys.map((k) => [k.id, generateDnssecKey({ algorithm: k.algorithm, flags: k.role === 'ZSK' ? 256 : 257 })]));
    const tags = keyTagsOf(s, new Map([...generated].map(([id, g]) => [id, g.dnskey])));
    for (const [id, g] of generated) {
      expect(tags[id]?.tag).toBe(g.keyTag);
      const revoked = g.dnskey.slice();
      revoked[1] = (revoked[1] as number) | 0x80;
      expect(tags[id]?.revoked).toBe(keyTag(revoked));
      expect(tags[id]?.revoked).not.toBe(g.keyTag);
    }
    let err: unknown;
    try {
      keyTagsOf(s, {});
    } catch (e) {
      err = e;
    }
    expect(isKtoError(err, 'KTO_ERR_LAB_TRUTH_KEY_MISSING')).toBe(true);
  });
});
