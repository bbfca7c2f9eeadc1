// A zone's state at a glance (overview): no data, steady, in transition (procedure and phase), or a
// problem (its findings). The text starts with the state word (the UI contract's zone-state).
import type { BreakageForecast, Finding, Transition } from '../api/types.js';

export type ZoneStateKind = 'no data' | 'steady' | 'transition' | 'problem';

export interface ZoneState {
  kind: ZoneStateKind;
  /** The line shown, starting with the kind. */
  text: string;
  /** In-progress transitions with their phase. */
  active: { transition: Transition; phase: string }[];
  /** Error and warning findings still open at `now`. */
  problems: Finding[];
}

const STEP_PHASE: Record<BreakageForecast['next_step'], string> = {
  'activate-new-key': 'new key published, waiting to sign with it',
  'change-ds': 'waiting for the DS change at the parent',
  'remove-old-key': 'signing with the new key, old key still published',
  'remove-old-signatures': 'new key signing, old signatures still served',
};

/** Where an in-progress transition stands: from the breakage forecast's next step, else from its anatomy. */
export function transitionPhase(t: Transition, breakage: readonly BreakageForecast[]): string {
  for (const b of breakage) if (b.transition === t.id) return STEP_PHASE[b.next_step];
  if (t.switch_at === null) return 'new key published, not signing yet';
  for (const k of t.keys_out) {
    const ev = t.anatomy.events[k];
    if (ev !== undefined && ev.t_unpub === null) return 'signing with the new key, old key still published';
  }
  return 'switched, finishing';
}

export function zoneState(
  analysed: { observations: number } | null, transitions: readonly Transition[], findings: readonly Finding[],
  breakage: readonly BreakageForecast[], now: number,
): ZoneState {
  if (analysed === null || analysed.observations === 0) return { kind: 'no data', text: 'no data', active: [], problems: [] };
  const problems = findings.filter((f) => f.severity !== 'info' && (f.until_ms === null || f.until_ms > now));
  const active: ZoneState['active'] = [];
  for (const t of transitions) if (t.status === 'in-progress') active.push({ transition: t, phase: transitionPhase(t, breakage) });
  if (problems.length > 0) {
    const codes = [...new Set(problems.map((f) => f.code))];
    return { kind: 'problem', text: `problem: ${codes.join(', ')}`, active, problems };
  }
  if (active.length > 0) {
    const parts = active.map((a) => `${a.transition.procedure} (${a.phase})`);
    return { kind: 'transition', text: `transition: ${parts.join('; ')}`, active, problems };
  }
  return { kind: 'steady', text: 'steady', active, problems };
}
