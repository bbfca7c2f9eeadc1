// The lab clock: lab seconds run `speed` times faster than real ones, from a real start time.
// Every TTL, wait and signature validity of a scenario is in lab seconds; what the resolvers see
// (TTLs, RRSIG inception and expiration) is real time.
//
// A lab's clock is held at lab second 0 while its servers and resolvers start (a few real seconds,
// tens of lab seconds at speed 10) and started when the lab can be observed: a scenario's first step
// then happens after its initial state has been seen, however slowly the host starts Unbound.

import { KtoError } from '@kto/core';

export interface LabClock {
  /** Real time of lab second 0, ms since the epoch (while a held clock waits: when it was made). */
  readonly startMs: number;
  readonly speed: number;
  /** Lab seconds since the start (fractional); 0 while a held clock waits. */
  labNow(): number;
  /** Real time, seconds since the epoch (fractional), of a lab time. */
  realSeconds(labSeconds: number): number;
  /** A TTL of `labSeconds` as served: divided by the speed, rounded down (a cache never holds data
   *  longer than the scenario says), at least 1 s. */
  ttl(labSeconds: number): number;
}

/** A clock held at lab second 0 until `start()`. */
export interface HeldLabClock extends LabClock {
  readonly started: boolean;
  /** Lab second 0 is now; a second call changes nothing. */
  start(): void;
}

/** Speeds outside this range make TTLs meaningless (all 1 s) or scenarios last for days. */
export const MIN_SPEED = 0.01;
export const MAX_SPEED = 1000;

function checkSpeed(speed: number): void {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) {
    throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `speed must be a number from ${MIN_SPEED} to ${MAX_SPEED}, got ${String(speed)}`);
  }
}

const ttlAt = (speed: number) => (lab: number): number => Math.max(1, Math.floor(lab / speed));

export function createClock(speed: number, startMs: number = Date.now(), now: () => number = Date.now): LabClock {
  checkSpeed(speed);
  const startS = startMs / 1000;
  return {
    startMs,
    speed,
    labNow: () => ((now() - startMs) * speed) / 1000,
    realSeconds: (lab) => startS + lab / speed,
    ttl: ttlAt(speed),
  };
}

/** A clock that stays at lab second 0 until `start()` is called. */
export function createHeldClock(speed: number, now: () => number = Date.now): HeldLabClock {
  checkSpeed(speed);
  let startMs = now();
  let started = false;
  return {
    get startMs() { return startMs; },
    get started() { return started; },
    speed,
    labNow: () => (started ? ((now() - startMs) * speed) / 1000 : 0),
    realSeconds: (lab) => startMs / 1000 + lab / speed,
    ttl: ttlAt(speed),
    start: () => {
      if (started) return;
      startMs = now();
      started = true;
    },
  };
}
