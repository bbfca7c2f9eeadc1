// The analyzer against the lab's ground truth: every scenario of the catalogue, synthesized as the
// observations an observatory would store (authoritative servers every 5 lab seconds, caching validating
// resolvers), must be classified as its truth's procedure with no findings (conformant) or yield its
// expected finding codes inside the expected window (broken); key events and transitions must agree
// with truthOf to the sampling cadence.

import { catalogue, stateAt, truthOf } from '@kto/lab';
import type { Scenario } from '@kto/lab';
import { describe, expect, it } from 'vitest';
import { analyzeZone } from './analyze.js';
import { synthesizeObservations } from './testing/synthesize.js';
import type { SynthResult } from './testing/synthesize.js';
import type { ZoneAnalysis } from './types.js';

const runs = new Map<string, { syn: SynthResult; a: ZoneAnalysis }>();
function analysed(s: Scenario): { syn: SynthResult; a: ZoneAnalysis } {
  let r = runs.get(s.name);
  if (r === undefined) {
    const syn = synthesizeObservations({ ...s, stateAt: (t) => stateAt(s, t) });
    r = { syn, a: analyzeZone(syn.rows, { zone: syn.zone }) };
    runs.set(s.name, r);
  }
  return r;
}

/** Analyzer key id of a scenario key, or of the placeholder for a key never published (matched by algorithm and tag). */
function sameKey(syn: SynthResult, scenarioKey: string, analyzerId: string): boolean {
  const id = syn.keyIds[scenarioKey] as string;
  if (id === analyzerId) return true;
  const [alg, tag] = id.split('-');
  return analyzerId === `${alg}-${tag}-`;
}

const conformant = catalogue.filter((s) => s.kind === 'conformant');
const broken = catalogue.filter((s) => s.kind === 'broken');

describe('conformant scenarios: classified as their procedure, no findings', () => {
  it.each(conformant.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const { a } = analysed(s);
    expect(a.findings.map((f) => `${f.code}: ${f.message}`)).toEqual([]);
    expect(a.undecided).toEqual([]);
    expect(a.signatures.invalid).toBe(0);
    expect(a.signatures.valid).toBeGreaterThan(0);
    if (s.procedure === 'multi-signer-steady') {
      expect(a.transitions).toEqual([]);
      expect(a.multi_signer).toMatchObject({ model: 2, steady: true });
      expect(a.procedures).toEqual(['multi-signer-steady']);
      return;
    }
    expect(a.transitions.length).toBeGreaterThan(0);
    for (const t of a.transitions) {
      expect({ id: t.id, procedure: t.procedure }).toEqual({ id: t.id, procedure: s.procedure });
      expect(t.conformant).toBe(true);
      expect(t.status).toBe('complete');
    }
    expect(a.procedures).toEqual([s.procedure]);
  });
});

describe('broken scenarios: their expected findings, in their windows', () => {
  it.each(broken.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const { syn, a } = analysed(s);
    expect(s.expectedFindings.length).toBeGreaterThan(0);
    for (const exp of s.expectedFindings) {
      const hits = a.findings.filter((f) => f.code === exp.code);
      expect(hits.map((f) => f.code)).toContain(exp.code);
      const inWindow = hits.filter((f) => f.at_ms >= syn.toMs(exp.from) && f.at_ms <= syn.toMs(exp.to));
      expect(inWindow.length).toBeGreaterThan(0);
      for (const k of exp.keys ?? []) expect(inWindow.some((f) => f.keys.some((id) => sameKey(syn, k, id)))).toBe(true);
    }
    // a finding attached to a transition makes it non-conformant
    for (const t of a.transitions) if (t.findings.length > 0) expect(t.conformant).toBe(false);
  });

  it('no conformant-only scenario yields the codes of the broken ones (codes discriminate)', () => {
    const codes = new Set(broken.flatMap((s) => s.expectedFindings.map((f) => f.code)));
    for (const s of conformant) expect(analysed(s).a.findings.filter((f) => codes.has(f.code))).toEqual([]);
  });
});

describe('key events and transitions agree with truthOf', () => {
  // one provider: the serving view and the truth's "any provider" view coincide
  const single = catalogue.filter((s) => s.providers === undefined);
  it.each(single.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const { syn, a } = analysed(s);
    const truth = truthOf(s);
    const auth = a.sightings.filter((x) => x.vantage === 'authoritative');
    const ms = (t: number | null | undefined): number | null => (t === null || t === undefined ? null : syn.toMs(t));
    for (const k of truth.keys) {
      const sg = auth.find((x) => sameKey(syn, k.id, x.key_id));
      if (k.t_pub === null && k.t_sign.zone === undefined && k.t_sign.dnskey === undefined) continue;
      expect(sg, `${k.id} sighted`).toBeDefined();
      if (sg === undefined) continue;
      // events at t = 0 are before the data: the analyzer sees them at its first observation (after = null)
      if (k.t_pub !== null) expect(sg.t_pub?.at).toBe(ms(k.t_pub));
      if (k.t_pub === 0) expect(sg.t_pub?.after).toBeNull();
      expect(sg.t_unpub?.at ?? null).toBe(ms(k.t_unpub));
      expect(sg.t_ds?.at ?? null).toBe(ms(k.t_ds));
      expect(sg.t_ds_gone?.at ?? null).toBe(ms(k.t_ds_gone));
      expect(sg.t_revoke?.at ?? null).toBe(ms(k.t_revoke));
      if (k.t_sign.zone !== undefined) {
        expect(sg.t_sign.SOA?.at).toBe(ms(k.t_sign.zone));
        expect(sg.t_unsign.SOA?.at ?? null).toBe(ms(k.t_unsign.zone));
      }
      if (k.t_sign.dnskey !== undefined) expect(sg.t_sign.DNSKEY?.at).toBe(ms(k.t_sign.dnskey));
    }
    if (s.kind === 'conformant') {
      for (const tt of truth.transitions) {
        const t = a.transitions.find((x) => x.role === tt.role);
        expect(t, `${tt.role} transition`).toBeDefined();
        if (t === undefined) continue;
        expect(t.keys_in.length).toBe(tt.keysIn.length);
        expect(t.keys_out.length).toBe(tt.keysOut.length);
        for (const k of tt.keysIn) expect(t.keys_in.some((id) => sameKey(syn, k, id))).toBe(true);
        for (const k of tt.keysOut) expect(t.keys_out.some((id) => sameKey(syn, k, id))).toBe(true);
        expect(t.algorithms_in).toEqual(tt.algorithmsIn);
        expect(t.algorithms_out).toEqual(tt.algorithmsOut);
        // the truth counts a revoked key's self-signature (RFC 5011) as signing; the analyzer does not
        // count it in the KSK role's signing set (the revoked key no longer vouches for the RRset)
        let revokedSigning = 0;
        for (const id of tt.keysOut) {
          const k = truth.keys.find((x) => x.id === id);
          if (k?.t_revoke != null) revokedSigning += (k.t_unsign.dnskey ?? s.duration) - k.t_revoke;
        }
        expect(t.anatomy.double_sign_ms.ms).toBe((tt.doubleSign - revokedSigning) * 1000);
        for (const [k, v] of Object.entries(tt.prePublish)) {
          const got = Object.entries(t.anatomy.pre_publish_ms).find(([id]) => sameKey(syn, k, id))?.[1];
          expect(got?.ms ?? null).toBe(v === null ? null : v * 1000);
        }
        for (const [k, v] of Object.entries(tt.postRetire)) {
          const got = Object.entries(t.anatomy.post_retire_ms).find(([id]) => sameKey(syn, k, id))?.[1];
          // a revoked key retires when it stops signing unrevoked (its first signing period ends)
          const kt = truth.keys.find((x) => x.id === k);
          const firstEnd = Object.values(kt?.signingDnskey ?? {})[0]?.[0]?.to ?? null;
          const want = kt?.t_revoke != null && kt.t_unpub !== null && firstEnd !== null ? kt.t_unpub - firstEnd : v;
          expect(got?.ms ?? null).toBe(want === null ? null : want * 1000);
        }
      }
      // the RFC 7583 waits the procedure needs were measured and respected
      for (const t of a.transitions) for (const w of t.waits) expect({ w: w.name, ok: w.respected }).toEqual({ w: w.name, ok: true });
    }
  });
});

it('results are plain JSON (no Infinity, undefined, Map)', () => {
  for (const s of catalogue) {
    const { a } = analysed(s);
    const text = JSON.stringify(a);
    expect(JSON.parse(text)).toEqual(a);
    expect(text).not.toContain('Infinity');
  }
});
