// The RFC 7583 waits of a transition, by procedure: each measured between the observed events and compared
// with its minimum computed from the TTLs actually observed and the propagation / signing delays.

import type { KeyRecord } from './keys.js';
import { atLeast, spanBetween } from './time.js';
import type { Episode } from './transitions.js';
import type { Anatomy, ObservedTime, Procedure, WaitCheck } from './types.js';

export interface Delays {
  Dprp: number;
  Dsgn: number;
  /** TTLs in ms. */
  TTLkey: number;
  TTLsig: number;
  TTLds: number;
}

export function intervalsOf(d: Delays): { Ipub: number; Iret: number; IretDoubleSignature: number; IpubC: number; IpubP: number; IpubSig: number } {
  return {
    Ipub: d.Dprp + d.TTLkey,
    Iret: d.Dsgn + d.Dprp + d.TTLsig,
    IretDoubleSignature: d.Dsgn + d.Dprp + Math.max(d.TTLkey, d.TTLsig),
    IpubC: d.Dprp + d.TTLkey,
    IpubP: d.Dprp + d.TTLds,
    IpubSig: d.Dsgn + d.Dprp + d.TTLsig,
  };
}

type Name = WaitCheck['name'];

const FORMULA: Record<Name, { formula: string; reference: string }> = {
  Ipub: { formula: 'Dprp + TTLkey', reference: 'RFC 7583 §3.2.1' },
  Iret: { formula: 'Dsgn + Dprp + TTLsig', reference: 'RFC 7583 §3.2.1' },
  IretDoubleSignature: { formula: 'Dsgn + Dprp + max(TTLkey, TTLsig)', reference: 'RFC 7583 §3.2.2' },
  IpubSig: { formula: 'Dsgn + Dprp + TTLsig', reference: 'RFC 7583 §3.2.3' },
  IpubC: { formula: 'DprpC + TTLkey', reference: 'RFC 7583 §3.3.1' },
  IpubP: { formula: 'DprpP + TTLds', reference: 'RFC 7583 §3.3.2' },
  IretC: { formula: 'DprpC + TTLkey', reference: 'RFC 7583 §3.3.2' },
  IretP: { formula: 'DprpP + TTLds', reference: 'RFC 7583 §3.3.1' },
};

function minimumOf(name: Name, d: Delays): number {
  const i = intervalsOf(d);
  switch (name) {
    case 'Ipub': return i.Ipub;
    case 'Iret': return i.Iret;
    case 'IretDoubleSignature': return i.IretDoubleSignature;
    case 'IpubSig': return i.IpubSig;
    case 'IpubC': case 'IretC': return i.IpubC;
    case 'IpubP': case 'IretP': return i.IpubP;
  }
}

function check(name: Name, from: ObservedTime | null, to: ObservedTime | null, d: Delays, key: KeyRecord | null): WaitCheck {
  const minimum = minimumOf(name, d);
  const measured = from === null || to === null ? null : spanBetween(from, to);
  return {
    name, formula: FORMULA[name].formula, minimum_ms: minimum, measured_ms: measured,
    respected: measured === null ? null : atLeast(measured, minimum), reference: FORMULA[name].reference, key: key === null ? null : key.id,
  };
}

/** The waits that gate the steps of this procedure, measured on this transition. Waits whose events did not happen are left out. */
export function waitsOf(procedure: Procedure, e: Episode, a: Anatomy, d: Delays, switchAt: ObservedTime | null): WaitCheck[] {
  const out: WaitCheck[] = [];
  const ev = (k: KeyRecord) => a.events[k.id];
  const add = (w: WaitCheck) => {
    if (w.measured_ms !== null) out.push(w);
  };
  const firstPubIn = e.keysIn.map((k) => ev(k)?.t_pub ?? null).filter((t): t is ObservedTime => t !== null).sort((x, y) => x.at - y.at)[0] ?? null;
  const dsIn = e.keysIn.map((k) => ev(k)?.t_ds ?? null).filter((t): t is ObservedTime => t !== null).sort((x, y) => y.at - x.at)[0] ?? null;
  switch (procedure) {
    case 'zsk-pre-publish':
      for (const k of e.keysIn) add(check('Ipub', ev(k)?.t_pub ?? null, ev(k)?.t_sign ?? null, d, k));
      for (const k of e.keysOut) add(check('Iret', ev(k)?.t_unsign ?? null, ev(k)?.t_unpub ?? null, d, k));
      break;
    case 'zsk-double-signature':
      for (const k of e.keysOut) add(check('IretDoubleSignature', firstPubIn, ev(k)?.t_unpub ?? ev(k)?.t_unsign ?? null, d, k));
      break;
    case 'zsk-double-rrsig':
      for (const k of e.keysIn) add(check('IpubSig', ev(k)?.t_sign ?? null, ev(k)?.t_pub ?? null, d, k));
      for (const k of e.keysOut) add(check('Ipub', firstPubIn, ev(k)?.t_unsign ?? null, d, k));
      break;
    case 'ksk-double-ksk':
    case 'ds-change-cds':
    case 'csk-rollover':
      for (const k of e.keysIn) add(check('IpubC', ev(k)?.t_pub ?? null, ev(k)?.t_ds ?? null, d, k));
      for (const k of e.keysOut) add(check('IretP', ev(k)?.t_ds_gone ?? dsIn, ev(k)?.t_unpub ?? null, d, k));
      if (procedure === 'csk-rollover') for (const k of e.keysOut) add(check('IretDoubleSignature', firstPubIn, ev(k)?.t_unsign ?? null, d, k));
      break;
    case 'ksk-double-ds':
      for (const k of e.keysIn) add(check('IpubP', ev(k)?.t_ds ?? null, switchAt, d, k));
      for (const k of e.keysOut) add(check('IretC', switchAt, ev(k)?.t_ds_gone ?? null, d, k));
      break;
    case 'ksk-double-rrset':
      for (const k of e.keysOut) {
        add(check('IpubC', firstPubIn, ev(k)?.t_unpub ?? null, d, k));
        add(check('IpubP', dsIn, ev(k)?.t_unpub ?? null, d, k));
      }
      break;
    case 'rfc5011-rollover':
      for (const k of e.keysOut) {
        add(check('IretC', switchAt, ev(k)?.t_ds_gone ?? null, d, k));
        add(check('IretP', ev(k)?.t_ds_gone ?? null, ev(k)?.t_revoke ?? null, d, k));
      }
      break;
    case 'algorithm-rollover-conservative':
    case 'algorithm-rollover-liberal':
      if (e.role === 'KSK') {
        for (const k of e.keysIn) add(check('IpubC', ev(k)?.t_pub ?? null, ev(k)?.t_ds ?? null, d, k));
        for (const k of e.keysOut) add(check('IretP', dsIn, ev(k)?.t_unpub ?? null, d, k));
      } else if (procedure === 'algorithm-rollover-conservative') {
        for (const k of e.keysIn) add(check('IpubSig', ev(k)?.t_sign ?? null, ev(k)?.t_pub ?? null, d, k));
        for (const k of e.keysOut) add(check('Ipub', ev(k)?.t_unpub ?? null, ev(k)?.t_unsign ?? null, d, k));
      } else {
        for (const k of e.keysOut) add(check('IretDoubleSignature', firstPubIn, ev(k)?.t_unpub ?? null, d, k));
      }
      break;
    default:
      break;
  }
  return out;
}
