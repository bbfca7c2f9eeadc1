// Tunables of one collector instance, their defaults and their validation.
import { KtoError } from '@kto/core';

export interface Limits {
  /** Largest encoded SignedBatch (HTTP body / WebSocket frame), bytes. */
  maxBodyBytes: number;
  /** Largest JSON request body of the API, bytes. */
  maxJsonBodyBytes: number;
  maxObservationsPerBatch: number;
  /** Per-agent token bucket: sustained observations per second and the bucket size. */
  agentRatePerS: number;
  agentBurst: number;
  /** How far a Hello time or a batch creation time may be from the collector clock, ms. */
  clockSkewMs: number;
  /** Oldest accepted observation send time relative to now, ms (newest: now + clockSkewMs). */
  maxObservationAgeMs: number;
  /** Rows waiting for storage above which new batches get RETRY (backpressure). */
  maxPendingRows: number;
  /** A batch not stored within this time is answered RETRY (its rows stay queued), ms. */
  ackTimeoutMs: number;
  /** Batches one WebSocket may have in flight before the collector stops reading from it. */
  wsMaxInFlight: number;
  /** Time allowed between WebSocket open and Hello, ms. */
  helloTimeoutMs: number;
  /** WebSocket ping interval; a peer that misses one pong is dropped, ms (0 = off). */
  wsPingIntervalMs: number;
}

export interface InsertOptions {
  /** Flush when this many rows have gathered ... */
  maxRows: number;
  /** ... or when the oldest queued batch has waited this long, ms. */
  maxDelayMs: number;
  /** Backoff between attempts while the store is unavailable, ms (doubling up to retryMaxMs). */
  retryInitialMs: number;
  retryMaxMs: number;
  /** On shutdown, how long to keep trying to flush what is pending, ms. */
  shutdownFlushMs: number;
  /**
   * Vantage points (agent x server x zone) whose open runs the writer keeps in memory while it folds
   * rows into runs (runs/fold.ts); others are re-read from the store when their rows come. About 2 kB
   * per series: 100,000 vantage points asking 6 qtypes hold ~1.1 GB at most.
   */
  runCacheVantages: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxJsonBodyBytes: 64 * 1024,
  maxObservationsPerBatch: 10_000,
  agentRatePerS: 5_000,
  agentBurst: 50_000,
  clockSkewMs: 5 * 60_000,
  maxObservationAgeMs: 30 * 24 * 3_600_000,
  maxPendingRows: 200_000,
  ackTimeoutMs: 30_000,
  wsMaxInFlight: 32,
  helloTimeoutMs: 10_000,
  wsPingIntervalMs: 30_000,
};

export const DEFAULT_INSERT: Readonly<InsertOptions> = {
  maxRows: 10_000,
  maxDelayMs: 1_000,
  retryInitialMs: 200,
  retryMaxMs: 10_000,
  shutdownFlushMs: 10_000,
  runCacheVantages: 100_000,
};

function check(ok: boolean, what: string, value: unknown, expected: string): void {
  if (!ok) {
    throw new KtoError('KTO_ERR_CONFIG_INVALID', `${what} must be ${expected}, got ${JSON.stringify(value)}`);
  }
}

const isCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 1;
const isMs = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

/** Defaults overlaid with `partial`, checked. Throws KTO_ERR_CONFIG_INVALID naming the field. */
export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  const l: Limits = { ...DEFAULT_LIMITS, ...stripUndefined(partial) };
  check(isCount(l.maxBodyBytes), 'limits.maxBodyBytes', l.maxBodyBytes, 'a positive integer');
  check(isCount(l.maxJsonBodyBytes), 'limits.maxJsonBodyBytes', l.maxJsonBodyBytes, 'a positive integer');
  check(isCount(l.maxObservationsPerBatch), 'limits.maxObservationsPerBatch', l.maxObservationsPerBatch, 'a positive integer');
  check(Number.isFinite(l.agentRatePerS) && l.agentRatePerS > 0, 'limits.agentRatePerS', l.agentRatePerS, 'a positive number');
  check(isCount(l.agentBurst) && l.agentBurst >= l.maxObservationsPerBatch, 'limits.agentBurst', l.agentBurst,
    `an integer >= maxObservationsPerBatch (${l.maxObservationsPerBatch}) so that a full batch can pass`);
  check(isMs(l.clockSkewMs), 'limits.clockSkewMs', l.clockSkewMs, 'an integer >= 0');
  check(isMs(l.maxObservationAgeMs), 'limits.maxObservationAgeMs', l.maxObservationAgeMs, 'an integer >= 0');
  check(isCount(l.maxPendingRows), 'limits.maxPendingRows', l.maxPendingRows, 'a positive integer');
  check(isCount(l.ackTimeoutMs), 'limits.ackTimeoutMs', l.ackTimeoutMs, 'a positive integer');
  check(isCount(l.wsMaxInFlight), 'limits.wsMaxInFlight', l.wsMaxInFlight, 'a positive integer');
  check(isCount(l.helloTimeoutMs), 'limits.helloTimeoutMs', l.helloTimeoutMs, 'a positive integer');
  check(isMs(l.wsPingIntervalMs), 'limits.wsPingIntervalMs', l.wsPingIntervalMs, 'an integer >= 0');
  return l;
}

export function resolveInsert(partial: Partial<InsertOptions> = {}): InsertOptions {
  const o: InsertOptions = { ...DEFAULT_INSERT, ...stripUndefined(partial) };
  check(isCount(o.maxRows), 'insert.maxRows', o.maxRows, 'a positive integer');
  check(isCount(o.maxDelayMs), 'insert.maxDelayMs', o.maxDelayMs, 'a positive integer');
  check(isCount(o.retryInitialMs), 'insert.retryInitialMs', o.retryInitialMs, 'a positive integer');
  check(isCount(o.retryMaxMs) && o.retryMaxMs >= o.retryInitialMs, 'insert.retryMaxMs', o.retryMaxMs, 'an integer >= retryInitialMs');
  check(isMs(o.shutdownFlushMs), 'insert.shutdownFlushMs', o.shutdownFlushMs, 'an integer >= 0');
  check(isCount(o.runCacheVantages), 'insert.runCacheVantages', o.runCacheVantages, 'a positive integer');
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  return out;
}
