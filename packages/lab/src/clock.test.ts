import { describe, expect, it } from 'vitest';
import { createClock, createHeldClock } from './clock.js';
import { ScheduledZone } from './scheduled-zone.js';
import type { SignedZone } from './signed-zone.js';

describe('lab clock', () => {
  it('runs speed times faster than real time from its start', () => {
    let now = 1_000_000;
    const c = createClock(10, now, () => now);
    now += 2_500;
    expect(c.labNow()).toBe(25);
    expect(c.realSeconds(25)).toBe(1_002.5);
    expect(c.ttl(90)).toBe(9);
    expect(c.ttl(5)).toBe(1);
  });

  it('a held clock stays at lab second 0 until started, then counts from the start', () => {
    let now = 1_000_000;
    const c = createHeldClock(10, () => now);
    now += 3_000; // servers and resolvers starting
    expect(c.started).toBe(false);
    expect(c.labNow()).toBe(0);
    c.start();
    expect(c.startMs).toBe(1_003_000);
    expect(c.realSeconds(0)).toBe(1_003);
    now += 1_000;
    expect(c.labNow()).toBe(10);
    c.start(); // a second start changes nothing
    expect(c.startMs).toBe(1_003_000);
  });

  it('rejects speeds outside its range with a stable code', () => {
    expect(() => createHeldClock(0)).toThrow(expect.objectContaining({ code: 'KTO_ERR_LAB_BAD_OPTION' }));
    expect(() => createClock(Number.NaN)).toThrow(expect.objectContaining({ code: 'KTO_ERR_LAB_BAD_OPTION' }));
  });
});

describe('scheduled zone on a held clock', () => {
  it('serves its initial version while the clock waits, no step early, and builds anew after a reset', () => {
    let now = 1_000_000;
    const clock = createHeldClock(10, () => now);
    const built: number[] = [];
    const zone = new ScheduledZone('example.', clock, (t) => {
      built.push(t);
      return { zone: { t } as unknown as SignedZone, next: t < 25 ? 25 : Infinity };
    });
    zone.current();
    now += 5_000; // 50 lab seconds of real time pass while held: the step at 25 must not happen
    zone.current();
    expect(built).toEqual([0]);
    clock.start();
    zone.reset();
    zone.current();
    expect(built).toEqual([0, 0]);
    now += 2_400;
    zone.current();
    expect(built).toEqual([0, 0]);
    now += 100;
    zone.current();
    expect(built).toEqual([0, 0, 25]);
  });
});
