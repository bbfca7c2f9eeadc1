// Zone state at a glance: from the REAL root analysis (KSK-2024 published, RFC 5011 roll in progress,
// no finding) and from that analysis with findings added or its observations taken away.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../api/types.js';
import { HAVE_ROOT, realRoot } from '../testing/real-root.js';
import { transitionPhase, zoneState } from './zone-state.js';

const finding = (over: Partial<Finding>): Finding => ({
  code: 'KTO_FINDING_X', severity: 'warning', at_ms: 0, until_ms: null, keys: [], vantages: [], refs: [], message: '', params: {}, transition: null, ...over,
});

describe.runIf(HAVE_ROOT)('zone state of the root (real data)', () => {
  it('the KSK-2024 roll is in progress: transition, with the phase of its forecast', () => {
    const { analysis: a } = realRoot();
    const active = a.transitions.filter((t) => t.status === 'in-progress');
    expect(active.map((t) => t.procedure)).toEqual(['rfc5011-rollover']);
    const s = zoneState({ observations: a.observations }, a.transitions, a.findings, a.lag.breakage, a.now_ms);
    expect(s.kind).toBe('transition');
    expect(s.text.startsWith('transition: rfc5011-rollover (')).toBe(true);
    const forecast = a.lag.breakage.find((b) => b.transition === active[0]?.id);
    expect(forecast?.next_step).toBe('change-ds');
    expect(s.active[0]?.phase).toBe('waiting for the DS change at the parent');
    // without the forecast the phase comes from the anatomy: the new key is not signing yet
    expect(transitionPhase(active[0] as (typeof active)[0], [])).toBe('new key published, not signing yet');
  });

  it('open error/warning findings make it a problem; closed or info findings do not', () => {
    const { analysis: a } = realRoot();
    const now = a.now_ms;
    const base = { observations: a.observations };
    const open = finding({ code: 'KTO_FINDING_OPEN' });
    const closed = finding({ code: 'KTO_FINDING_CLOSED', until_ms: now - 1 });
    const info = finding({ code: 'KTO_FINDING_INFO', severity: 'info' });
    expect(zoneState(base, a.transitions, [closed, info], a.lag.breakage, now).kind).toBe('transition');
    const p = zoneState(base, a.transitions, [open, closed, info, { ...open, at_ms: 1 }], a.lag.breakage, now);
    expect(p.kind).toBe('problem');
    expect(p.text).toBe('problem: KTO_FINDING_OPEN');
    expect(p.problems.length).toBe(2);
  });

  it('steady once nothing is in progress; no data without observations or analysis', () => {
    const { analysis: a } = realRoot();
    const complete = a.transitions.filter((t) => t.status === 'complete');
    expect(complete.length).toBeGreaterThan(0);
    expect(zoneState({ observations: a.observations }, complete, [], [], a.now_ms)).toMatchObject({ kind: 'steady', text: 'steady' });
    expect(zoneState({ observations: 0 }, a.transitions, [finding({})], [], a.now_ms).text).toBe('no data');
    expect(zoneState(null, [], [], [], 0).text).toBe('no data');
  });
});
