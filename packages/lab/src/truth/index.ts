// Ground truth of a lab scenario (ARCHITECTURE.md §4): per-key event times, the transitions, the
// RFC 7583 waits for its TTLs and whether it keeps them, and the rules it breaks. Derived from the
// steps through the engine's timeline (stateAt), never restated by hand.

import { KtoError, keyTag } from '@kto/core';
import type { DnskeyRdata } from '@kto/core';
import type { Scenario } from '../scenario/types.js';
import { providerIds } from '../timeline.js';
import { LAB_DPRP, LAB_DSGN } from './constants.js';
import { violationsOf } from './rules.js';
import { dnskeySignersAt, publishedAt, segmentsOf, zoneSignersAt } from './segments.js';
import type { Segment } from './segments.js';
import type { GroundTruth, KeyTruth, Period, TransitionTruth, WaitTruth } from './types.js';

export { LAB_DPRP, LAB_DSGN } from './constants.js';
export { FINDING, holdingOf } from './rules.js';
export type { FindingCode, Holding } from './rules.js';
export { TRUTH_ERRORS } from './errors.js';
export type { TruthErrorCode } from './errors.js';
export type { GroundTruth, KeyTruth, Period, TransitionTruth, Violation, WaitTruth } from './types.js';

const fin = (t: number): number | null => (t === Infinity ? null : t);

/** Periods in which pred holds, merged over consecutive segments. */
function periods(segs: readonly Segment[], pred: (seg: Segment) => boolean): Period[] {
  const out: Period[] = [];
  let open: number | undefined;
  for (const seg of segs) {
    if (pred(seg)) {
      open ??= seg.from;
    } else if (open !== undefined) {
      out.push({ from: open, to: seg.from });
      open = undefined;
    }
  }
  if (open !== undefined) out.push({ from: open, to: null });
  return out;
}

function firstOf(ps: readonly Period[][]): number | null {
  let best: number | null = null;
  for (const list of ps) for (const p of list) if (best === null || p.from < best) best = p.from;
  return best;
}

/** End of the last period (null: never ends, or never began). */
function lastOf(ps: readonly Period[][]): number | null {
  let any = false;
  let best = -Infinity;
  for (const list of ps) {
    for (const p of list) {
      any = true;
      const to = p.to ?? Infinity;
      if (to > best) best = to;
    }
  }
  return !any ? null : fin(best);
}

function keyTruths(s: Scenario, segs: readonly Segment[], ids: readonly string[]): KeyTruth[] {
  return s.keys.map((k) => {
    const published: Record<string, Period[]> = {};
    const signingZone: Record<string, Period[]> = {};
    const signingDnskey: Record<string, Period[]> = {};
    for (const p of ids) {
      published[p] = periods(segs, (seg) => publishedAt(seg, p).has(k.id));
      signingZone[p] = periods(segs, (seg) => zoneSignersAt(seg, p).includes(k.id));
      signingDnskey[p] = periods(segs, (seg) => dnskeySignersAt(seg, p).includes(k.id));
    }
    const ds = periods(segs, (seg) => seg.state.parent.ds.some((d) => d.key === k.id));
    const revokedAt = segs.find((seg) => seg.state.providers.some((p) => p.dnskeys.some((d) => d.key === k.id && d.revoked)));
    const pub = Object.values(published);
    const zone = Object.values(signingZone);
    const dnskey = Object.values(signingDnskey);
    const t_sign: KeyTruth['t_sign'] = {};
    const t_unsign: KeyTruth['t_unsign'] = {};
    const zFirst = firstOf(zone);
    if (zFirst !== null) {
      t_sign.zone = zFirst;
      t_unsign.zone = lastOf(zone);
    }
    const dFirst = firstOf(dnskey);
    if (dFirst !== null) {
      t_sign.dnskey = dFirst;
      t_unsign.dnskey = lastOf(dnskey);
    }
    return {
      id: k.id, role: k.role, algorithm: k.algorithm, provider: k.provider ?? null,
      t_pub: firstOf(pub), t_unpub: lastOf(pub), t_sign, t_unsign,
      t_ds: firstOf([ds]), t_ds_gone: lastOf([ds]),
      t_revoke: revokedAt === undefined ? null : revokedAt.from,
      published, signingZone, signingDnskey, ds,
    };
  });
}

function signersOf(seg: Segment, ids: readonly string[], scope: 'zone' | 'dnskey'): Set<string> {
  const out = new Set<string>();
  for (const p of ids) for (const k of scope === 'zone' ? zoneSignersAt(seg, p) : dnskeySignersAt(seg, p)) out.add(k);
  return out;
}

function transitions(s: Scenario, segs: readonly Segment[], ids: readonly string[], keys: readonly KeyTruth[]): TransitionTruth[] {
  const out: TransitionTruth[] = [];
  const byId = new Map(keys.map((k) => [k.id, k]));
  const first = segs[0] as Segment;
  const last = segs[segs.length - 1] as Segment;
  for (const [role, scope] of [['ZSK', 'zone'], ['KSK', 'dnskey']] as const) {
    const before = signersOf(first, ids, scope);
    const after = signersOf(last, ids, scope);
    const keysOut = [...before].filter((k) => !after.has(k)).sort();
    const keysIn = [...after].filter((k) => !before.has(k)).sort();
    if (keysOut.length === 0 && keysIn.length === 0) continue;
    const alg = (list: string[]): number[] => [...new Set(list.map((k) => byId.get(k)?.algorithm as number))].sort((a, b) => a - b);
    const algsBefore = alg([...before]);
    const algsAfter = alg([...after]);
    const times: number[] = [];
    const prePublish: Record<string, number | null> = {};
    const dsLag: Record<string, number | null> = {};
    for (const id of keysIn) {
      const k = byId.get(id) as KeyTruth;
      const ts = k.t_sign[scope] ?? null;
      prePublish[id] = ts === null || k.t_pub === null ? null : ts - k.t_pub;
      dsLag[id] = k.t_ds === null || k.t_pub === null ? null : k.t_ds - k.t_pub;
      for (const t of [k.t_pub, ts, k.t_ds]) if (t !== null && t > 0) times.push(t);
    }
    const postRetire: Record<string, number | null> = {};
    for (const id of keysOut) {
      const k = byId.get(id) as KeyTruth;
      const tu = k.t_unsign[scope] ?? null;
      postRetire[id] = tu === null || k.t_unpub === null ? null : k.t_unpub - tu;
      for (const t of [tu, k.t_unpub, k.t_ds_gone, k.t_revoke]) if (t !== null && t > 0) times.push(t);
    }
    let doubleSign = 0;
    for (const seg of segs) {
      const now = signersOf(seg, ids, scope);
      if (keysOut.some((k) => now.has(k)) && keysIn.some((k) => now.has(k)) && seg.to !== Infinity) doubleSign += seg.to - seg.from;
    }
    out.push({
      role, keysOut, keysIn,
      algorithmsOut: algsBefore.filter((a) => !algsAfter.includes(a)),
      algorithmsIn: algsAfter.filter((a) => !algsBefore.includes(a)),
      start: times.length === 0 ? 0 : Math.min(...times),
      end: times.length === 0 ? 0 : Math.max(...times),
      prePublish, doubleSign, postRetire, dsLag,
    });
  }
  return out;
}

function waits(s: Scenario, broken: ReadonlySet<string>): WaitTruth[] {
  const { dnskey, zone, ds } = s.ttl;
  const w = (name: WaitTruth['name'], formula: string, seconds: number, reference: string, rule: string): WaitTruth =>
    ({ name, formula, seconds, reference, rule, respected: !broken.has(rule) });
  return [
    w('Ipub', 'Dprp + TTLkey', LAB_DPRP + dnskey, 'RFC 7583 §3.2.1', 'KEY_ACTIVATED_BEFORE_PREPUBLISH'),
    w('Iret', 'Dsgn + Dprp + TTLsig', LAB_DSGN + LAB_DPRP + zone, 'RFC 7583 §3.2.1', 'KEY_REMOVED_WHILE_SIGNATURES_CACHED'),
    w('IretDoubleSignature', 'Dsgn + Dprp + max(TTLkey, TTLsig)', LAB_DSGN + LAB_DPRP + Math.max(dnskey, zone), 'RFC 7583 §3.2.2', 'KEY_REMOVED_WHILE_SIGNATURES_CACHED'),
    w('IpubC', 'DprpC + TTLkey', LAB_DPRP + dnskey, 'RFC 7583 §3.3.1', 'DS_CHANGED_BEFORE_KEY_PROPAGATED'),
    w('IpubP', 'DprpP + TTLds', LAB_DPRP + ds, 'RFC 7583 §3.3.2', 'KSK_REMOVED_WHILE_DS_CACHED'),
    w('IretC', 'DprpC + TTLkey', LAB_DPRP + dnskey, 'RFC 7583 §3.3.2', 'KSK_REMOVED_WHILE_DS_CACHED'),
    w('IretP', 'DprpP + TTLds', LAB_DPRP + ds, 'RFC 7583 §3.3.1', 'KSK_REMOVED_WHILE_DS_CACHED'),
  ];
}

/** The ground truth of scenario `s` (which must be valid: validateScenario). */
export function truthOf(s: Scenario): GroundTruth {
  const segs = segmentsOf(s);
  const ids = providerIds(s);
  const keys = keyTruths(s, segs, ids);
  const violations = violationsOf(s, segs);
  const broken = new Set(violations.map((v) => v.code));
  return {
    name: s.name,
    kind: s.kind,
    procedure: s.procedure,
    zone: s.label,
    references: [...s.references],
    duration: s.duration,
    ttl: { ...s.ttl },
    constants: { Dprp: LAB_DPRP, Dsgn: LAB_DSGN },
    parent: { mode: s.parent.mode, Dreg: s.parent.mode === 'registration' ? s.parent.delay : s.parent.interval },
    providers: ids,
    keys,
    transitions: transitions(s, segs, ids, keys),
    waits: waits(s, broken),
    violations,
    expectedFindings: s.expectedFindings.map((f) => ({ ...f, ...(f.keys === undefined ? {} : { keys: [...f.keys] }) })),
    expectedValidationFailure: s.expectedValidationFailure === undefined ? null : { ...s.expectedValidationFailure },
  };
}

/** A generated key as the lab holds it: its DNSKEY RDATA (bytes) or fields. */
export type GeneratedKey = Uint8Array | DnskeyRdata;

/**
 * Key tags of the scenario's keys once generated (tags are only known at run time). A key published
 * with REVOKE (RFC 5011) also gets its revoked tag (flags | 0x0080), under `revoked`.
 */
export function keyTagsOf(s: Scenario, generated: ReadonlyMap<string, GeneratedKey> | Readonly<Record<string, GeneratedKey>>):
  Record<string, { tag: number; revoked: number }> {
  const get = (id: string): GeneratedKey | undefined =>
    generated instanceof Map ? generated.get(id) : (generated as Readonly<Record<string, GeneratedKey>>)[id];
  const out: Record<string, { tag: number; revoked: number }> = {};
  for (const k of s.keys) {
    const g = get(k.id);
    if (g === undefined) throw new KtoError('KTO_ERR_LAB_TRUTH_KEY_MISSING', `keyTagsOf: no generated key for ${JSON.stringify(k.id)} of scenario ${s.name}`, { key: k.id });
    const rdata: Uint8Array = g instanceof Uint8Array ? g.slice() : encodeDnskey(g);
    const tag = keyTag(rdata);
    rdata[1] = (rdata[1] as number) | 0x80;
    out[k.id] = { tag, revoked: keyTag(rdata) };
  }
  return out;
}

function encodeDnskey(k: DnskeyRdata): Uint8Array {
  const out = new Uint8Array(4 + k.publicKey.length);
  out[0] = (k.flags >> 8) & 0xff;
  out[1] = k.flags & 0xff;
  out[2] = k.protocol;
  out[3] = k.algorithm;
  out.set(k.publicKey, 4);
  return out;
}
