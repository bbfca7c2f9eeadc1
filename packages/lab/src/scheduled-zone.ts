// A zone whose signed content is rebuilt when the lab clock passes its next change point (a step,
// a parent change, a re-sign time) and is otherwise served as it is.

import type { LabClock } from './clock.js';
import type { ZoneSource } from './dns-server.js';
import type { SignedZone } from './signed-zone.js';

export interface ZoneVersion {
  zone: SignedZone;
  /** Lab time at which the content changes next (Infinity: never). */
  next: number;
}

export class ScheduledZone implements ZoneSource {
  readonly apex: string;
  readonly #clock: LabClock;
  readonly #build: (labTime: number) => ZoneVersion;
  #zone: SignedZone | undefined;
  #next = -Infinity;
  /** Versions built so far. */
  builds = 0;

  constructor(apex: string, clock: LabClock, build: (labTime: number) => ZoneVersion) {
    this.apex = apex;
    this.#clock = clock;
    this.#build = build;
  }

  current(): SignedZone {
    if (this.#zone === undefined || this.#clock.labNow() >= this.#next) {
      // never before the change point that triggered the rebuild (float rounding of the clock)
      const t = Math.max(this.#clock.labNow(), this.#next);
      const v = this.#build(t);
      this.builds++;
      this.#zone = v.zone;
      this.#next = v.next;
    }
    return this.#zone;
  }

  /** Forgets the version served, so that the next query builds it anew (after a held clock starts:
   *  signatures made while it waited have windows from a provisional start). */
  reset(): void {
    this.#zone = undefined;
    this.#next = -Infinity;
  }

  /** The zone as it is (or would be) at lab time `t`, without changing what is served. */
  at(t: number): SignedZone {
    return this.#build(t).zone;
  }
}
