// A scenario as the sequence of its piecewise-constant states (between two change points of the
// engine's timeline), the base of every derived time in the ground truth.

import type { Scenario } from '../scenario/types.js';
import { nextChange, stateAt } from '../timeline.js';
import type { LabState, ProviderState } from '../timeline.js';

export interface Segment {
  index: number;
  /** [from, to) in lab seconds; to = Infinity for the final state. */
  from: number;
  to: number;
  state: LabState;
}

export function segmentsOf(s: Scenario): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  for (;;) {
    const next = nextChange(s, t);
    out.push({ index: out.length, from: t, to: next, state: stateAt(s, t) });
    if (next === Infinity) return out;
    t = next;
  }
}

export function provider(seg: Segment, id: string): ProviderState | undefined {
  return seg.state.providers.find((p) => p.provider === id);
}

/** Keys in the provider's DNSKEY RRset (revoked ones included: they still validate signatures). */
export function publishedAt(seg: Segment, id: string): Set<string> {
  return new Set(provider(seg, id)?.dnskeys.map((k) => k.key) ?? []);
}

export function zoneSignersAt(seg: Segment, id: string): string[] {
  return (provider(seg, id)?.signers ?? []).filter((k) => k.zone).map((k) => k.key);
}

export function dnskeySignersAt(seg: Segment, id: string): string[] {
  return (provider(seg, id)?.signers ?? []).filter((k) => k.dnskey).map((k) => k.key);
}

/** Keys whose DS matches: published WITHOUT the REVOKE bit (REVOKE changes the DS digest). */
export function dsMatchableAt(seg: Segment, id: string): Set<string> {
  return new Set(provider(seg, id)?.dnskeys.filter((k) => !k.revoked).map((k) => k.key) ?? []);
}
