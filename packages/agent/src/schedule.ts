// Runs every tracked zone every interval (± jitter): each qtype through every resolver, and, for
// zones with queryAuthoritatives, NS → A/AAAA of each NS host through a resolver, then each
// authoritative address directly (RD=0). DS is the parent's data (RFC 4034 §5, RFC 4035 §3.1.4.1):
// the zone's own servers answer it with NODATA, so it is asked of the parent zone's servers instead,
// found the same way (NS of the nearest ancestor that has an NS RRset, then their addresses). All
// queries go through one WorkQueue, so at most `concurrency` are in flight however many zones there
// are. Zone list changes apply at once.
import type { DnsMessage } from '@kto/core';
import { QueryStatus } from '@kto/proto';
import type { IObservation } from '@kto/proto';
import type { ZoneSpec } from './config.js';
import type { Logger } from './log.js';
import type { QueryResult, QueryTarget } from './query.js';
import type { ServerAddress } from './server-address.js';
import { WorkQueue } from './work-queue.js';

const NS = 2;
const A = 1;
const AAAA = 28;
const DS = 43;
const NXDOMAIN = 3;
/** Longest interval a zone may ask for; setTimeout holds at most ~24.8 days. */
export const MAX_INTERVAL_S = 7 * 86_400;

export type ZoneSource = 'local' | 'collector';

export interface SchedulerOptions {
  readonly query: (target: QueryTarget) => Promise<QueryResult>;
  readonly resolvers: readonly ServerAddress[];
  readonly defaultIntervalS: number;
  readonly defaultQtypes: readonly number[];
  /** Fraction of the interval: each run moves by up to ± jitter × interval. */
  readonly jitter: number;
  readonly concurrency: number;
  readonly onObservation: (obs: IObservation) => void;
  /** A zone's previous run had not finished when the next was due: the new one was skipped. */
  readonly onRoundSkipped?: (zone: string) => void;
  readonly log: Logger;
  /** Uniform [0, 1) (tests); default Math.random. */
  readonly random?: () => number;
  /** Authoritative servers are asked on this port (tests; default 53). */
  readonly authoritativePort?: number;
}

interface ZoneEntry {
  spec: ZoneSpec;
  timer: NodeJS.Timeout | undefined;
  removed: boolean;
  /** Tasks of this zone queued or in flight (a run is over when it drops to 0). */
  outstanding: number;
  rounds: number;
}

type TaskKind = 'query' | 'ns' | 'address' | 'authoritative';
/** Whose servers an 'ns'/'address' task looks for: the zone's own, or its parent's (for DS). */
type Chain = 'zone' | 'parent';

interface Task {
  readonly entry: ZoneEntry;
  readonly kind: TaskKind;
  readonly target: QueryTarget;
  /** For 'ns' and 'address': which resolver (index) is asked. */
  readonly resolverIndex: number;
  /** The qtypes of the run this task belongs to (for the authoritative queries it leads to). */
  readonly qtypes: readonly number[];
  readonly chain: Chain;
}

function sameSpec(a: ZoneSpec, b: ZoneSpec): boolean {
  return a.intervalS === b.intervalS && a.queryAuthoritatives === b.queryAuthoritatives
    && a.qtypes.length === b.qtypes.length && a.qtypes.every((t, i) => b.qtypes[i] === t);
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #random: () => number;
  readonly #queue: WorkQueue<Task>;
  readonly #specs: Record<ZoneSource, Map<string, ZoneSpec>> = { local: new Map(), collector: new Map() };
  readonly #zones = new Map<string, ZoneEntry>();
  readonly #log: Logger;
  #started = false;
  #stopped = false;
  readonly #onTimer = (entry: ZoneEntry): void => this.#fire(entry);

  constructor(options: SchedulerOptions) {
    if (options.resolvers.length === 0) throw new RangeError('the scheduler needs at least one resolver');
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#log = options.log;
    this.#queue = new WorkQueue<Task>(options.concurrency, (t) => this.#run(t), (err) => {
      this.#log.error({ err }, 'query task failed');
    });
  }

  /** Replaces the zones that came from one source; the effective list is collector ∪ local (local wins). */
  setZones(source: ZoneSource, specs: readonly ZoneSpec[]): void {
    const map = new Map<string, ZoneSpec>();
    for (const s of specs) map.set(s.name, s);
    this.#specs[source] = map;
    this.#reconcile();
  }

  /** Names of the zones tracked now. */
  zones(): string[] {
    return [...this.#zones.keys()];
  }

  get queued(): number {
    return this.#queue.queued;
  }

  get inFlight(): number {
    return this.#queue.inFlight;
  }

  get peakInFlight(): number {
    return this.#queue.peakInFlight;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#zones.values()) this.#scheduleFirst(entry);
  }

  /** Stops scheduling, drops queued queries and waits for those in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#zones.values()) clearTimeout(entry.timer);
    for (const task of this.#queue.clear()) task.entry.outstanding--;
    await this.#queue.idle();
  }

  #reconcile(): void {
    const effective = new Map(this.#specs.collector);
    for (const [name, spec] of this.#specs.local) effective.set(name, spec);
    for (const [name, entry] of this.#zones) {
      if (effective.has(name)) continue;
      entry.removed = true;
      clearTimeout(entry.timer);
      this.#zones.delete(name);
    }
    for (const [name, spec] of effective) {
      const entry = this.#zones.get(name);
      if (entry === undefined) {
        const e: ZoneEntry = { spec, timer: undefined, removed: false, outstanding: 0, rounds: 0 };
        this.#zones.set(name, e);
        if (this.#started) this.#scheduleFirst(e);
      } else if (!sameSpec(entry.spec, spec)) {
        const intervalChanged = this.#intervalMs(entry.spec) !== this.#intervalMs(spec);
        entry.spec = spec;
        if (intervalChanged && this.#started) {
          clearTimeout(entry.timer);
          this.#scheduleFirst(entry);
        }
      }
    }
  }

  #intervalMs(spec: ZoneSpec): number {
    const s = spec.intervalS > 0 ? Math.min(spec.intervalS, MAX_INTERVAL_S) : this.#o.defaultIntervalS;
    return s * 1000;
  }

  /** First run at a uniformly random point of the interval, so that zones spread out. */
  #scheduleFirst(entry: ZoneEntry): void {
    if (this.#stopped) return;
    entry.timer = setTimeout(this.#onTimer, Math.floor(this.#random() * this.#intervalMs(entry.spec)), entry);
  }

  #scheduleNext(entry: ZoneEntry): void {
    if (this.#stopped) return;
    const j = this.#o.jitter;
    const delay = this.#intervalMs(entry.spec) * (1 + j * (2 * this.#random() - 1));
    entry.timer = setTimeout(this.#onTimer, Math.max(1, Math.round(delay)), entry);
  }

  #fire(entry: ZoneEntry): void {
    if (entry.removed || this.#stopped) return;
    this.#scheduleNext(entry);
    const zone = entry.spec.name;
    if (entry.outstanding > 0) {
      this.#log.warn({ zone, outstanding: entry.outstanding }, 'previous run of the zone still busy: run skipped');
      this.#o.onRoundSkipped?.(zone);
      return;
    }
    entry.rounds++;
    const qtypes = entry.spec.qtypes.length > 0 ? entry.spec.qtypes : this.#o.defaultQtypes;
    for (const qtype of qtypes) {
      for (const server of this.#o.resolvers) {
        this.#push({ entry, kind: 'query', resolverIndex: -1, qtypes, chain: 'zone', target: { kind: 'resolver', server, serverName: '', zone, qname: zone, qtype } });
      }
    }
    if (entry.spec.queryAuthoritatives) {
      const own = qtypes.filter((q) => q !== DS);
      if (own.length > 0) this.#pushNs(entry, 0, own, 'zone', zone);
      const parent = parentName(zone);
      if (qtypes.includes(DS) && parent !== null) this.#pushNs(entry, 0, [DS], 'parent', parent);
    }
  }

  #push(task: Task): void {
    task.entry.outstanding++;
    this.#queue.push(task);
  }

  /** NS of `owner` (the zone, or a candidate parent zone, under whose name the lookup is recorded). */
  #pushNs(entry: ZoneEntry, resolverIndex: number, qtypes: readonly number[], chain: Chain, owner: string): void {
    const server = this.#o.resolvers[resolverIndex]!;
    this.#push({ entry, kind: 'ns', resolverIndex, qtypes, chain, target: { kind: 'resolver', server, serverName: '', zone: owner, qname: owner, qtype: NS } });
  }

  async #run(task: Task): Promise<void> {
    const { entry } = task;
    try {
      if (entry.removed || this.#stopped) return;
      const result = await this.#o.query(task.target);
      this.#o.onObservation(result.observation);
      if (entry.removed || this.#stopped) return;
      if (task.kind === 'ns') this.#afterNs(task, result);
      else if (task.kind === 'address') this.#afterAddress(task, result.message);
    } finally {
      entry.outstanding--;
    }
  }

  #afterNs(task: Task, result: QueryResult): void {
    const owner = task.target.qname;
    const hosts = new Set<string>();
    for (const rr of result.observation.answer ?? []) {
      if (rr.type === NS && rr.name === owner && rr.ns?.host) hosts.add(rr.ns.host);
    }
    if (hosts.size === 0) {
      const o = result.observation;
      // a parent candidate that answers without an NS RRset (NODATA, NXDOMAIN) is no zone apex: the
      // parent zone is further up; anything else (a failure, the zone's own NS missing) asks the next resolver
      const noApex = task.chain === 'parent' && o.status === QueryStatus.QUERY_STATUS_OK && ((o.rcode ?? 0) === 0 || o.rcode === NXDOMAIN);
      const up = noApex ? parentName(owner) : null;
      const next = task.resolverIndex + 1;
      if (up !== null) {
        this.#pushNs(task.entry, task.resolverIndex, task.qtypes, 'parent', up);
      } else if (!noApex && next < this.#o.resolvers.length) {
        this.#pushNs(task.entry, next, task.qtypes, task.chain, owner);
      } else {
        this.#log.warn({ zone: task.entry.spec.name, owner }, `no resolver returned the NS set: ${task.chain === 'zone' ? 'authoritative servers' : 'the parent\'s servers'} not asked this run`);
      }
      return;
    }
    const server = this.#o.resolvers[task.resolverIndex]!;
    for (const host of hosts) {
      for (const qtype of [A, AAAA]) {
        this.#push({ entry: task.entry, kind: 'address', resolverIndex: task.resolverIndex, qtypes: task.qtypes, chain: task.chain, target: { kind: 'resolver', server, serverName: '', zone: owner, qname: host, qtype } });
      }
    }
  }

  #afterAddress(task: Task, message: DnsMessage | undefined): void {
    if (message === undefined) return;
    const zone = task.entry.spec.name;
    const host = task.target.qname;
    const port = this.#o.authoritativePort ?? 53;
    for (const rr of message.answer) {
      const address = rr.type === A && rr.rdataLength === 4 ? ipv4(rr.rdata)
        : rr.type === AAAA && rr.rdataLength === 16 ? ipv6(rr.rdata) : undefined;
      if (address === undefined) continue;
      const server: ServerAddress = { address, port, family: rr.type === A ? 4 : 6 };
      // the zone's own types at its servers; DS (chain 'parent') at the parent's
      for (const qtype of task.qtypes) {
        this.#push({ entry: task.entry, kind: 'authoritative', resolverIndex: -1, qtypes: task.qtypes, chain: task.chain, target: { kind: 'authoritative', server, serverName: host, zone, qname: zone, qtype } });
      }
    }
  }
}

/** The name one label up ('a.b.' -> 'b.', 'b.' -> '.'); null for the root. Escaped dots stay in their label. */
export function parentName(name: string): string | null {
  if (name === '.' || name === '') return null;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') i++;
    else if (c === '.') return i + 1 >= name.length ? '.' : name.slice(i + 1);
  }
  return '.';
}

function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text of a 16-byte address (longest run of two or more zero groups compressed). */
export function ipv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}
