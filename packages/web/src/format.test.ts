// Display formats and the request limiter.
import { describe, expect, it } from 'vitest';
import { algorithmName, duration, utc } from './format.js';
import { mapLimit } from './map-limit.js';

describe('format', () => {
  it('durations keep the two largest units', () => {
    expect(duration(450)).toBe('450 ms');
    expect(duration(61_000)).toBe('1m 1s');
    expect(duration(172_800_000)).toBe('2d');
    expect(duration(90_061_000)).toBe('1d 1h');
    expect(duration(-3_600_000)).toBe('-1h');
    expect(duration(Number.NaN)).toBe('—');
  });
  it('UTC times; 0 and null are never', () => {
    expect(utc(Date.UTC(2025, 0, 11, 5, 50, 7))).toBe('2025-01-11 05:50:07Z');
    expect(utc(0)).toBe('—');
    expect(utc(null)).toBe('—');
  });
  it('algorithm mnemonics from the IANA registry', () => {
    expect(algorithmName(8)).toBe('RSASHA256');
    expect(algorithmName(13)).toBe('ECDSAP256SHA256');
    expect(algorithmName(15)).toBe('ED25519');
    expect(algorithmName(200)).toBe('algorithm 200');
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([50, 10, 30, 20, 0, 40], 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms / 5));
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:50', '1:10', '2:30', '3:20', '4:0', '5:40']);
    expect(peak).toBe(3);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
