// The zone assignment: the tracked zones as agents receive them, with a version derived from the
// content (so every collector computes the same version for the same list). Listeners hear about
// every change, whether made through this collector or found by a periodic refresh.
import { createHash } from 'node:crypto';
import type { Store, ZoneRecord } from '../storage/types.js';

export interface ZoneSpecJson {
  zone: string;
  interval_s: number;
  qtypes: number[];
  query_authoritatives: boolean;
}

export interface ZoneAssignmentState {
  version: number;
  zones: ZoneSpecJson[];
}

export type ZoneListener = (state: ZoneAssignmentState) => void;

export function zoneSpecOf(z: ZoneRecord): ZoneSpecJson {
  return { zone: z.zone, interval_s: z.interval_s, qtypes: [...z.qtypes], query_authoritatives: z.query_authoritatives !== 0 };
}

/** First 48 bits of SHA-256 over the canonical JSON of the list (listZones order): a safe integer, never 0. */
export function assignmentVersion(zones: readonly ZoneSpecJson[]): number {
  const digest = createHash('sha256').update(JSON.stringify(zones)).digest();
  const v = digest.readUIntBE(0, 6);
  return v === 0 ? 1 : v;
}

export class ZoneAssignment {
  private state: ZoneAssignmentState = { version: 0, zones: [] };
  private loaded = false;
  private readonly listeners = new Set<ZoneListener>();
  private refreshing: Promise<ZoneAssignmentState> | null = null;

  constructor(private readonly store: Store) {}

  get current(): ZoneAssignmentState {
    return this.state;
  }

  onChange(fn: ZoneListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The list as stored now: joins a reload in progress or starts one (for reads). */
  latest(): Promise<ZoneAssignmentState> {
    return this.refreshing ?? this.refresh();
  }

  /**
   * Reloads the list from the store (after a write: the reload starts after any in progress, so it
   * sees the write); notifies listeners when the version changed.
   */
  refresh(): Promise<ZoneAssignmentState> {
    // Coalesce concurrent refreshes, but a refresh requested during one must see its writes: chain.
    const prev = this.refreshing ?? Promise.resolve(this.state);
    const next: Promise<ZoneAssignmentState> = prev.catch(() => this.state).then(() => this.load()).finally(() => {
      if (this.refreshing === next) this.refreshing = null;
    });
    this.refreshing = next;
    return next;
  }

  private async load(): Promise<ZoneAssignmentState> {
    const zones = (await this.store.listZones()).map(zoneSpecOf);
    const version = assignmentVersion(zones);
    const changed = !this.loaded || version !== this.state.version;
    this.loaded = true;
    if (changed) {
      this.state = { version, zones };
      for (const fn of this.listeners) fn(this.state);
    }
    return this.state;
  }
}
