// Per-agent token bucket over observations: `ratePerS` tokens flow in per second up to `burst`;
// a batch of n observations takes n tokens or waits.

interface Bucket {
  tokens: number;
  atMs: number;
}

export class AgentRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
  ) {}

  /**
   * Takes `n` tokens for `agentId` at time `nowMs`. Returns 0 when granted, else the milliseconds
   * after which the same request would be granted (nothing is taken then).
   */
  take(agentId: string, n: number, nowMs: number): number {
    let b = this.buckets.get(agentId);
    if (b === undefined) {
      b = { tokens: this.burst, atMs: nowMs };
      this.buckets.set(agentId, b);
    } else if (nowMs > b.atMs) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) * this.ratePerS) / 1000);
      b.atMs = nowMs;
    }
    if (n <= b.tokens) {
      b.tokens -= n;
      return 0;
    }
    if (n > this.burst) return Number.MAX_SAFE_INTEGER; // can never pass; the caller caps batch size below burst
    // (the epsilon keeps float noise from adding a millisecond: 0.1 token at 100/s is 1 ms, not 2)
    return Math.max(1, Math.ceil(((n - b.tokens) * 1000) / this.ratePerS - 1e-9));
  }

  /** Drops the buckets that are full again (idle agents), so the map does not grow without bound. */
  sweep(nowMs: number): void {
    for (const [id, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.atMs) * this.ratePerS) / 1000 >= this.burst) this.buckets.delete(id);
    }
  }
}
