import { describe, expect, it } from 'vitest';
import { AgentRateLimiter } from './rate-limit.js';

describe('AgentRateLimiter (token bucket per agent)', () => {
  it('grants the burst at once, then the rate; says how long to wait', () => {
    const r = new AgentRateLimiter(100, 1_000);
    expect(r.take('a', 1_000, 0)).toBe(0);
    expect(r.take('a', 1, 0)).toBe(10); // one token every 10 ms
    expect(r.take('a', 50, 0)).toBe(500);
    expect(r.take('a', 50, 499)).toBe(1); // 49.9 tokens gathered: 0.1 missing, 1 ms
    expect(r.take('a', 50, 500)).toBe(0);
    expect(r.take('a', 1, 500)).toBe(10);
  });

  it('keeps agents apart and never exceeds the burst', () => {
    const r = new AgentRateLimiter(100, 1_000);
    expect(r.take('a', 1_000, 0)).toBe(0);
    expect(r.take('b', 1_000, 0)).toBe(0);
    expect(r.take('a', 1_000, 3_600_000)).toBe(0); // an hour later: full again, not 360,000 tokens
    expect(r.take('a', 1, 3_600_000)).toBe(10);
    expect(r.take('c', 1_001, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('sweep forgets agents whose bucket is full again', () => {
    const r = new AgentRateLimiter(100, 1_000);
    r.take('a', 500, 0);
    r.take('b', 10, 0);
    r.sweep(100); // b: 990 + 10 = full; a: 500 + 10 = not full
    expect(r.take('b', 1_000, 100)).toBe(0);
    expect(r.take('a', 1_000, 100)).toBe(4_900);
  });
});
