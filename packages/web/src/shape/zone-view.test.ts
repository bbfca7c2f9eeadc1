// The zone view from a live message: the whole result of the real root analysis as the collector sends
// it (summary + items), and messages without analysis metadata refused.
import { describe, expect, it } from 'vitest';
import { HAVE_ROOT, realRoot } from '../testing/real-root.js';
import { sameAnalysis, viewFromLive, viewFromSlices } from './zone-view.js';

describe.runIf(HAVE_ROOT)('zone view', () => {
  it('takes every part of a live result, the analysis time from now_ms', () => {
    const { analysis: a } = realRoot();
    const meta = { analysis_id: 'live', mode: 'live', analyzer: a.analyzer, computed_at_ms: a.now_ms + 5, from_ms: a.from_ms, to_ms: a.to_ms, observations: a.observations, stored: true };
    const v = viewFromLive('.', { ...a, analysis: meta });
    expect(v).not.toBeNull();
    expect(v?.now_ms).toBe(a.now_ms);
    expect(v?.keys).toEqual(a.keys);
    expect(v?.transitions).toEqual(a.transitions);
    expect(v?.breakage).toEqual(a.lag.breakage);
    expect(v?.procedures).toEqual(a.procedures);
    // without now_ms: the computation time
    const { now_ms: _n, ...noNow } = a;
    expect(viewFromLive('.', { ...noNow, analysis: meta })?.now_ms).toBe(a.now_ms + 5);
  });

  it('no analysis metadata: no view; no slice at all: no view', () => {
    const { analysis: a } = realRoot();
    expect(viewFromLive('.', { ...a })).toBeNull();
    expect(viewFromSlices(null, null, null, null)).toBeNull();
  });
});

describe('sameAnalysis', () => {
  const meta = { analysis_id: 'batch', mode: 'batch', analyzer: 'kto-analyzer', computed_at_ms: 1_795_000_000_000, from_ms: 0, to_ms: 1_795_000_000_001, observations: 2_689_627, stored: true };

  it('recognises the stored analysis the live socket repeats on connect', () => {
    expect(sameAnalysis(meta, { ...meta })).toBe(true);
  });

  it('takes every other analysis: a newer computation, another id, window or row count, or nothing shown yet', () => {
    expect(sameAnalysis(null, meta)).toBe(false);
    expect(sameAnalysis(meta, { ...meta, computed_at_ms: meta.computed_at_ms + 1 })).toBe(false);
    expect(sameAnalysis(meta, { ...meta, analysis_id: 'live' })).toBe(false);
    expect(sameAnalysis(meta, { ...meta, observations: meta.observations + 3 })).toBe(false);
    expect(sameAnalysis(meta, { ...meta, from_ms: 1 })).toBe(false);
    expect(sameAnalysis(meta, { ...meta, to_ms: meta.to_ms + 60_000 })).toBe(false);
  });
});
