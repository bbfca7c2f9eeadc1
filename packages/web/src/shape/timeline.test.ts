// The key timeline of the REAL root history (2023-11 .. 2026-08) against the published change log of
// its DNSKEY RRset (root-dnskey-set-changes.csv): every key's published span starts at the snapshot that
// first shows it and ends at the last snapshot before its removal.
import { describe, expect, it } from 'vitest';
import { HAVE_ROOT, realRoot, rootKeyChanges } from '../testing/real-root.js';
import { keyTimeline, spanPercent } from './timeline.js';

describe.runIf(HAVE_ROOT)('key timeline of the root (real data)', () => {
  it('one row per key, published spans as the change log says', () => {
    const { analysis: a, rows } = realRoot();
    const t = keyTimeline(a.keys, a.sightings, a.now_ms);
    expect(t.source).toBe('authoritative');
    const changes = rootKeyChanges();
    const firstSnapshot = Math.min(...rows.map((r) => r.observed_at_ms));
    const lastSnapshot = Math.max(...rows.map((r) => r.observed_at_ms));
    const snapshotTimes = [...new Set(rows.map((r) => r.observed_at_ms))].sort((x, y) => x - y);
    const before = (ms: number): number => snapshotTimes.filter((x) => x < ms).at(-1) as number;

    const added = new Map<number, number>();
    const removed = new Map<number, number>();
    for (const c of changes) {
      for (const k of c.added) added.set(k.tag, c.at);
      for (const k of c.removed) removed.set(k.tag, before(c.at));
    }
    // keys of the first snapshot have no "added" line: they were there from the start
    const tags = new Set([...added.keys(), ...removed.keys()]);
    expect(t.rows.map((r) => r.key_tag).sort((x, y) => x - y)).toEqual([...new Set([...tags, 20326])].sort((x, y) => x - y));
    for (const r of t.rows) {
      expect(r.algorithm, `${r.key_tag}`).toBe(8);
      expect(r.published, `${r.key_tag}`).not.toBeNull();
      expect(r.published?.from, `${r.key_tag} published from`).toBe(added.get(r.key_tag) ?? firstSnapshot);
      expect(r.published?.to ?? null, `${r.key_tag} published to`).toBe(removed.get(r.key_tag) ?? null);
    }
    // sorted by first appearance; the domain spans the whole history
    const starts = t.rows.map((r) => r.published?.from ?? 0);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect(t.from).toBe(firstSnapshot);
    expect(t.to).toBeGreaterThanOrEqual(lastSnapshot);
  });

  it('KSK-2017 (20326) signs throughout, KSK-2024 (38696) is published but not signing; no DS in an apex-only series', () => {
    const { analysis: a } = realRoot();
    const t = keyTimeline(a.keys, a.sightings, a.now_ms);
    const ksk2017 = t.rows.find((r) => r.key_tag === 20326);
    const ksk2024 = t.rows.find((r) => r.key_tag === 38696);
    expect(ksk2017?.role).toBe('KSK');
    expect(ksk2017?.signing?.to).toBeNull();
    expect(ksk2024?.published?.from).toBe(Date.parse('2025-01-11T05:50:00Z'));
    expect(ksk2024?.signing).toBeNull();
    for (const r of t.rows) expect(r.ds).toBeNull();
    // every ZSK but the current one stopped signing; each signed for part of its published span
    const zsks = t.rows.filter((r) => r.role === 'ZSK');
    expect(zsks.filter((r) => r.signing?.to === null).length).toBe(1);
    for (const r of zsks) {
      if (r.signing === null || r.published === null) continue;
      expect(r.signing.from).toBeGreaterThanOrEqual(r.published.from);
    }
  });
});

describe('spanPercent', () => {
  it('places a span on the axis and clips it to the domain', () => {
    expect(spanPercent({ from: 25, to: 75 }, 0, 100)).toEqual({ left: 25, width: 50 });
    expect(spanPercent({ from: -50, to: 50 }, 0, 100)).toEqual({ left: 0, width: 50 });
    expect(spanPercent({ from: 90, to: null }, 0, 100)).toEqual({ left: 90, width: 10 });
    // a point in time stays visible
    expect(spanPercent({ from: 40, to: 40 }, 0, 100).width).toBeGreaterThan(0);
  });
});
