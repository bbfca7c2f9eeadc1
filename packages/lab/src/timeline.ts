// The state of a scenario's world at a lab time: what each provider publishes and signs, and what
// the parent serves (ARCHITECTURE.md §6). A pure function of (scenario, time): the scenario is compiled
// once into the states between its change points, and stateAt looks the time up.

import type { DsDigestType } from '@kto/core';
import type { KeySpec, Scenario, SignScope } from './scenario/types.js';

export interface PublishedKey {
  key: string;
  /** RFC 5011: published with the REVOKE bit (flags | 0x0080). */
  revoked: boolean;
}

export interface KeySigning {
  key: string;
  /** Signs the apex DNSKEY, CDS and CDNSKEY RRsets. */
  dnskey: boolean;
  /** Signs every other RRset of the zone. */
  zone: boolean;
}

/** CDS/CDNSKEY content: the keys asked for, the RFC 8078 §4 delete request, or nothing. */
export type CdsContent = { keys: readonly string[] } | 'delete' | null;

export interface ProviderState {
  provider: string;
  /** The apex DNSKEY RRset, in the order of scenario.keys. */
  dnskeys: readonly PublishedKey[];
  /** The keys this provider signs with (published or not), in the order of scenario.keys. */
  signers: readonly KeySigning[];
  cds: CdsContent;
}

export interface ParentDs {
  key: string;
  digestType: DsDigestType;
}

export interface ParentState {
  /** The child's DS RRset at the parent (empty: the delegation is insecure). */
  ds: readonly ParentDs[];
  /** Providers whose name servers the parent's NS RRset (and glue) for the child lists. */
  ns: readonly string[];
  /** Parent changes applied so far (a version number for the parent zone's content). */
  version: number;
}

export interface LabState {
  /** Lab seconds since the scenario start. */
  t: number;
  /** Steps applied so far (a version number for the child zone's content). */
  stepsApplied: number;
  providers: readonly ProviderState[];
  /** Providers whose name servers are in the zone's apex NS RRset. */
  ns: readonly string[];
  /** A CSYNC record (RFC 7477) asks the parent to copy the NS RRset. */
  csync: boolean;
  /** False from a stopResigning fault on: no signature is made any more. */
  resigning: boolean;
  /** Lab time of the stopResigning fault (undefined while signing goes on). */
  resigningStoppedAt: number | undefined;
  /** RRSIG validity in lab seconds, and the lab time from which it applies. */
  validity: { seconds: number; since: number };
  parent: ParentState;
}

/** The provider ids of a scenario (default: one provider "A"). */
export function providerIds(s: Scenario): string[] {
  return s.providers === undefined ? ['A'] : s.providers.map((p) => p.id);
}

/** The largest TTL of the scenario (the backdating of RRSIG inception, and the base of the default validity). */
export function maxTtl(s: Scenario): number {
  return Math.max(s.ttl.dnskey, s.ttl.zone, s.ttl.ds);
}

/** RRSIG validity for normal signing, lab seconds (scenario value or 10 x the largest TTL). */
export function defaultValidity(s: Scenario): number {
  return s.signatureValidity ?? 10 * maxTtl(s);
}

function defaultScope(role: KeySpec['role']): SignScope {
  return role === 'KSK' ? 'dnskey' : role === 'ZSK' ? 'zone' : 'all';
}

interface MutableProvider {
  published: Map<string, boolean>;
  signing: Map<string, { dnskey: boolean; zone: boolean }>;
  cds: CdsContent;
}

interface ChildState {
  providers: Map<string, MutableProvider>;
  ns: string[];
  csync: boolean;
  resigningStoppedAt: number | undefined;
  validity: { seconds: number; since: number };
}

interface ParentEvent {
  at: number;
  ds?: ParentDs[];
  dsAdd?: ParentDs;
  dsRemove?: string;
  ns?: string[];
}

interface Compiled {
  /** Step times, ascending (same length as childStates - 1). */
  stepTimes: number[];
  /** childStates[i] = state after i steps. */
  childStates: ChildSnapshot[];
  parentTimes: number[];
  /** parentStates[i] = parent after i events. */
  parentStates: ParentState[];
  /** Every time at which something changes, ascending, unique. */
  changeTimes: number[];
}

interface ChildSnapshot {
  providers: ProviderState[];
  ns: string[];
  csync: boolean;
  resigningStoppedAt: number | undefined;
  validity: { seconds: number; since: number };
}

const compiledCache = new WeakMap<Scenario, Compiled>();

function cloneChild(c: ChildState): ChildState {
  const providers = new Map<string, MutableProvider>();
  for (const [id, p] of c.providers) {
    const signing = new Map<string, { dnskey: boolean; zone: boolean }>();
    for (const [k, v] of p.signing) signing.set(k, { ...v });
    providers.set(id, { published: new Map(p.published), signing, cds: p.cds });
  }
  return { providers, ns: [...c.ns], csync: c.csync, resigningStoppedAt: c.resigningStoppedAt, validity: { ...c.validity } };
}

function snapshot(s: Scenario, c: ChildState): ChildSnapshot {
  const providers: ProviderState[] = [];
  for (const [provider, p] of c.providers) {
    const dnskeys: PublishedKey[] = [];
    const signers: KeySigning[] = [];
    for (const k of s.keys) {
      const revoked = p.published.get(k.id);
      if (revoked !== undefined) dnskeys.push({ key: k.id, revoked });
      const sg = p.signing.get(k.id);
      if (sg !== undefined && (sg.dnskey || sg.zone)) signers.push({ key: k.id, dnskey: sg.dnskey, zone: sg.zone });
    }
    providers.push({ provider, dnskeys, signers, cds: p.cds });
  }
  return { providers, ns: [...c.ns], csync: c.csync, resigningStoppedAt: c.resigningStoppedAt, validity: { ...c.validity } };
}

function sameCds(a: CdsContent, b: CdsContent): boolean {
  if (a === null || b === null) return a === b;
  if (a === 'delete' || b === 'delete') return a === b;
  if (a.keys.length !== b.keys.length) return false;
  const set = new Set(a.keys);
  return b.keys.every((k) => set.has(k));
}

function compile(s: Scenario): Compiled {
  const ids = providerIds(s);
  const keyById = new Map(s.keys.map((k) => [k.id, k]));
  const signAt = (key: KeySpec, provider: string | undefined): string[] =>
    provider !== undefined ? [provider] : key.provider !== undefined ? [key.provider] : ids;
  const targets = (provider: string | undefined): string[] => (provider !== undefined ? [provider] : ids);

  const child: ChildState = {
    providers: new Map(ids.map((id) => [id, { published: new Map(), signing: new Map(), cds: null }])),
    ns: [...(s.initial.ns ?? ids)],
    csync: false,
    resigningStoppedAt: undefined,
    validity: { seconds: defaultValidity(s), since: 0 },
  };
  for (const id of s.initial.published) for (const p of child.providers.values()) p.published.set(id, false);
  for (const e of s.initial.signing) {
    const key = keyById.get(e.key) as KeySpec;
    const scope = e.scope ?? defaultScope(key.role);
    for (const pid of signAt(key, undefined)) {
      const p = child.providers.get(pid) as MutableProvider;
      const cur = p.signing.get(key.id) ?? { dnskey: false, zone: false };
      if (scope !== 'zone') cur.dnskey = true;
      if (scope !== 'dnskey') cur.zone = true;
      p.signing.set(key.id, cur);
    }
  }

  const stepTimes: number[] = [];
  const childStates: ChildSnapshot[] = [snapshot(s, child)];
  const regEvents: ParentEvent[] = [];
  const delay = s.parent.mode === 'registration' ? s.parent.delay : 0;
  let state = child;
  for (const step of s.steps) {
    state = cloneChild(state);
    for (const a of step.do) {
      if ('publish' in a) {
        for (const pid of targets(a.provider)) state.providers.get(pid)?.published.set(a.publish, false);
      } else if ('unpublish' in a) {
        for (const pid of targets(a.provider)) state.providers.get(pid)?.published.delete(a.unpublish);
      } else if ('sign' in a) {
        const key = keyById.get(a.sign) as KeySpec;
        const scope = a.scope ?? defaultScope(key.role);
        for (const pid of signAt(key, a.provider)) {
          const p = state.providers.get(pid) as MutableProvider;
          const cur = p.signing.get(key.id) ?? { dnskey: false, zone: false };
          if (scope !== 'zone') cur.dnskey = true;
          if (scope !== 'dnskey') cur.zone = true;
          p.signing.set(key.id, cur);
        }
      } else if ('unsign' in a) {
        const key = keyById.get(a.unsign) as KeySpec;
        for (const pid of signAt(key, a.provider)) {
          const p = state.providers.get(pid) as MutableProvider;
          const cur = p.signing.get(key.id);
          if (cur === undefined) continue;
          if (a.scope === undefined || a.scope !== 'zone') cur.dnskey = false;
          if (a.scope === undefined || a.scope !== 'dnskey') cur.zone = false;
        }
      } else if ('revoke' in a) {
        const key = keyById.get(a.revoke) as KeySpec;
        for (const pid of signAt(key, undefined)) {
          const p = state.providers.get(pid) as MutableProvider;
          p.published.set(key.id, true);
          const cur = p.signing.get(key.id) ?? { dnskey: false, zone: false };
          cur.dnskey = true;
          p.signing.set(key.id, cur);
        }
      } else if ('dsAdd' in a) {
        regEvents.push({ at: step.at + delay, dsAdd: { key: a.dsAdd, digestType: a.digestType ?? 2 } });
      } else if ('dsRemove' in a) {
        regEvents.push({ at: step.at + delay, dsRemove: a.dsRemove });
      } else if ('cds' in a) {
        for (const pid of targets(a.provider)) (state.providers.get(pid) as MutableProvider).cds = a.cds.length === 0 ? null : { keys: [...a.cds] };
      } else if ('cdsDelete' in a) {
        for (const pid of targets(a.provider)) (state.providers.get(pid) as MutableProvider).cds = 'delete';
      } else if ('nsSet' in a) {
        state.ns = [...a.nsSet];
        state.csync = a.csync === true;
        if (s.parent.mode === 'registration') regEvents.push({ at: step.at + delay, ns: [...a.nsSet] });
      } else if ('stopResigning' in a) {
        state.resigningStoppedAt ??= step.at;
      } else if ('signatureValidity' in a) {
        state.validity = { seconds: a.signatureValidity, since: step.at };
      }
    }
    stepTimes.push(step.at);
    childStates.push(snapshot(s, state));
  }

  // the parent's events, in time order (a stable sort keeps the order of the steps)
  let events: ParentEvent[];
  if (s.parent.mode === 'registration') {
    events = regEvents.sort((x, y) => x.at - y.at);
  } else {
    events = scanEvents(s, stepTimes, childStates, s.parent.interval);
  }
  const parentTimes: number[] = [];
  const parentStates: ParentState[] = [];
  let ds: ParentDs[] = s.initial.ds.map((key) => ({ key, digestType: 2 as DsDigestType }));
  let ns = [...(s.initial.ns ?? ids)];
  parentStates.push({ ds, ns, version: 0 });
  for (const e of events) {
    if (e.ds !== undefined) ds = e.ds;
    if (e.dsAdd !== undefined) {
      const add = e.dsAdd;
      if (!ds.some((d) => d.key === add.key && d.digestType === add.digestType)) ds = [...ds, add];
    }
    if (e.dsRemove !== undefined) ds = ds.filter((d) => d.key !== e.dsRemove);
    if (e.ns !== undefined) ns = e.ns;
    parentTimes.push(e.at);
    parentStates.push({ ds, ns, version: parentStates.length });
  }
  const changeTimes = [...new Set([...stepTimes, ...parentTimes])].sort((a, b) => a - b);
  return { stepTimes, childStates, parentTimes, parentStates, changeTimes };
}

/**
 * cds-scan parents (RFC 7344 §4, RFC 8078 §3, RFC 7477 §3): at every tick k x interval (k >= 1) the
 * parent asks every name server it delegates to; when all of their providers publish the same CDS
 * content, DS := that content (the delete request empties the DS RRset), and a CSYNC record makes it
 * copy the child's NS set. The child's state is constant between steps, so only the first tick after
 * each step can change anything; the parent's NS set (which name servers it asks) is tracked as it goes.
 */
function scanEvents(s: Scenario, stepTimes: readonly number[], childStates: readonly ChildSnapshot[], interval: number): ParentEvent[] {
  const events: ParentEvent[] = [];
  let parentNs = [...(s.initial.ns ?? providerIds(s))];
  let ds = s.initial.ds.map((key) => ({ key, digestType: 2 as DsDigestType }));
  for (let i = 0; i < childStates.length; i++) {
    const from = i === 0 ? 0 : (stepTimes[i - 1] as number);
    const until = i < stepTimes.length ? (stepTimes[i] as number) : Infinity;
    const tick = Math.max(1, Math.ceil(from / interval)) * interval;
    if (!(tick < until)) continue;
    const c = childStates[i] as ChildSnapshot;
    const event: ParentEvent = { at: tick };
    const asked = c.providers.filter((p) => parentNs.includes(p.provider));
    const first = asked[0]?.cds ?? null;
    if (first !== null && asked.every((p) => sameCds(p.cds, first))) {
      const next = first === 'delete' ? [] : first.keys.map((key) => ({ key, digestType: 2 as DsDigestType }));
      const same = next.length === ds.length && next.every((d) => ds.some((x) => x.key === d.key && x.digestType === d.digestType));
      if (!same) {
        event.ds = next;
        ds = next;
      }
    }
    if (c.csync && (c.ns.length !== parentNs.length || c.ns.some((p) => !parentNs.includes(p)))) {
      event.ns = [...c.ns];
      parentNs = [...c.ns];
    }
    if (event.ds !== undefined || event.ns !== undefined) events.push(event);
  }
  return events;
}

function compiled(s: Scenario): Compiled {
  let c = compiledCache.get(s);
  if (c === undefined) {
    c = compile(s);
    compiledCache.set(s, c);
  }
  return c;
}

/** Number of entries of the ascending `times` that are <= t. */
function countUpTo(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The world of scenario `s` at lab time `t` (lab seconds since its start; steps at `at` <= t have
 * happened). The scenario must be valid (validateScenario); the result must not be mutated.
 */
export function stateAt(s: Scenario, t: number): LabState {
  const c = compiled(s);
  const steps = countUpTo(c.stepTimes, t);
  const child = c.childStates[steps] as ChildSnapshot;
  const parent = c.parentStates[countUpTo(c.parentTimes, t)] as ParentState;
  return {
    t,
    stepsApplied: steps,
    providers: child.providers,
    ns: child.ns,
    csync: child.csync,
    resigning: child.resigningStoppedAt === undefined,
    resigningStoppedAt: child.resigningStoppedAt,
    validity: child.validity,
    parent,
  };
}

/** The first lab time after `t` at which stateAt changes (Infinity when nothing changes any more). */
export function nextChange(s: Scenario, t: number): number {
  const times = compiled(s).changeTimes;
  const i = countUpTo(times, t);
  return i < times.length ? (times[i] as number) : Infinity;
}

/** Lab times of the parent's DS/NS changes (registration delays applied, or scan ticks that changed something). */
export function parentChangeTimes(s: Scenario): readonly number[] {
  return compiled(s).parentTimes;
}
