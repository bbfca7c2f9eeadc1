// The lab clock: lab seconds run `speed` times faster than real ones, from a real start time.
// Every TTL, wait and signature validity of a scenario is in lab seconds; what the resolvers see
// (TTLs, RRSIG inception and expiration) is real time.

import { KtoError } from '@kto/core';

export interface LabClock {
  /** Real time of lab second 0, ms since the epoch. */
  readonly startMs: number;
  readonly speed: number;
  /** Lab seconds since the start (fractional). */
  labNow(): number;
  /** Real time, seconds since the epoch (fractional), of a lab time. */
  realSeconds(labSeconds: number): number;
  /** A TTL of `labSeconds` as served: divided by the speed, rounded down (a cache never holds data
   *  longer than the scenario says), at least 1 s. */
  ttl(labSeconds: number): number;
}

/** Speeds outside this range make TTLs meaningless (all 1 s) or scenarios last for days. */
export const MIN_SPEED = 0.01;
export const MAX_SPEED = 1000;

export function createClock(speed: number, startMs: number = Date.now(), now: () => number = Date.now): LabClock {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) {
    throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}, got ${String(speed)}`);
  }
  const startS = startMs / 1000;
  return {
    startMs,
    speed,
    labNow: () => ((now() - startMs) * speed) / 1000,
    realSeconds: (lab) => startS + lab / speed,
    ttl: (lab) => Math.max(1, Math.floor(lab / speed)),
  };
}
