// The running lab (ARCHITECTURE.md §6): a private signed hierarchy on 127.<x>.0.0/16 —
//   .                   <base>.0.1          root, ECDSA P-256 KSK + ZSK; its DS is the trust anchor
//   <tld>.              <base>.0.2          the lab TLD (default "lab."), ECDSA P-256 KSK + ZSK
//   Unbound resolvers   <base>.1.1 ...      vantage points (./resolvers.ts); their shared caches <base>.1.129 ...
//   scenario i's zone   <base>.<2+i>.<8p+s+1>  server s of provider p: ns-<provider><s+1>.<zone>
// The scenario zones sign by their timelines on the lab clock; the TLD carries their DS and NS as
// their parent model says. Keys are generated afresh for every run.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KtoError, decodeDnskey, dsDigest, encodeDnskey, encodeDs, hexEncode, keyTag } from '@kto/core';
import type { DsDigestType } from '@kto/core';
import { generateDnssecKeyAsync } from '@kto/core/node';
import type { DnssecKeyPair } from '@kto/core/node';
import { assertLoopback, parseBase } from './address.js';
import { createHeldClock } from './clock.js';
import type { LabClock } from './clock.js';
import { LabDnsServer } from './dns-server.js';
import { DEFAULT_RESOLVERS, startResolvers, validateResolverSpecs } from './resolvers.js';
import { SplitProxy } from './split-proxy.js';
import type { ResolverSpec, RunningResolver, UnboundProcess } from './resolvers.js';
import { validateScenario } from './scenario/validate.js';
import type { KeySpec, Scenario } from './scenario/types.js';
import { ScheduledZone } from './scheduled-zone.js';
import type { ZoneVersion } from './scheduled-zone.js';
import { SignedZone } from './signed-zone.js';
import { SignatureCache, signingEpoch } from './signer.js';
import type { SigningKey, ZoneSigner } from './signer.js';
import { maxTtl, nextChange, parentChangeTimes, providerIds, stateAt } from './timeline.js';
import { CDNSKEY_DELETE, CDS_DELETE, buildZone } from './zone-builder.js';
import type { DelegationInput, HostAddress } from './zone-builder.js';

export interface LabOptions {
  scenarios: readonly Scenario[];
  /** Lab seconds per real second (default 1). */
  speed?: number;
  /** "127.N": the lab lives in 127.N.0.0/16 (default "127.60"). */
  base?: string;
  /** The vantage points (default: DEFAULT_RESOLVERS; [] for none). */
  resolvers?: readonly ResolverSpec[] | 'default';
  /** Unbound binary (default: found in PATH or /usr/sbin); a missing one means no resolvers, with a warning. */
  unboundPath?: string;
  /** Port of every server and resolver (default 53). */
  port?: number;
  /** The lab TLD's label (default "lab"). */
  tld?: string;
  /** Parent of the lab's temporary directory (resolver configs and logs); default the OS temp dir. */
  dir?: string;
}

export interface LabServer {
  address: string;
  port: number;
  zone: string;
  role: 'root' | 'tld' | 'zone';
  scenario?: string;
  provider?: string;
}

export interface LabKeyInfo {
  id: string;
  role: KeySpec['role'];
  algorithm: number;
  keyTag: number;
  /** Key tag with the REVOKE bit set (RFC 5011). */
  revokedKeyTag: number;
  provider?: string;
  /** DNSKEY RDATA (flags without REVOKE), hex. */
  dnskeyHex: string;
}

export interface LabZone {
  scenario: string;
  kind: Scenario['kind'];
  procedure: Scenario['procedure'];
  zone: string;
  duration: number;
  providers: { id: string; servers: { host: string; address: string }[] }[];
  keys: LabKeyInfo[];
}

export interface LabDescription {
  speed: number;
  base: string;
  /** Real time of lab second 0, ISO 8601. */
  startedAt: string;
  startMs: number;
  trustAnchor: string;
  rootHints: string;
  root: { zone: string; address: string };
  tld: { zone: string; address: string };
  resolvers: RunningResolver[];
  servers: LabServer[];
  zones: LabZone[];
  warnings: string[];
}

export interface RunningLab {
  readonly clock: LabClock;
  /** Lab seconds since lab second 0: the moment the servers and resolvers answered (0 before). */
  labNow(): number;
  readonly trustAnchor: string;
  readonly servers: readonly LabServer[];
  readonly resolvers: readonly RunningResolver[];
  readonly zones: readonly LabZone[];
  readonly warnings: readonly string[];
  readonly dir: string;
  /** Everything `kto-lab up` prints, JSON-ready. */
  describe(): LabDescription;
  /** The signed zone a provider serves at lab time t (for dumps and tests; does not change what is served). */
  zoneAt(scenario: string, provider: string, t: number): SignedZone;
  /** The zone a provider serves now. */
  currentZone(scenario: string, provider: string): SignedZone;
  /** Stops every server and resolver and removes the lab's directory; idempotent. */
  stop(): Promise<void>;
}

/** The lab's own zones' TTL (root and TLD SOA, NS, DNSKEY), lab seconds. */
const INFRA_TTL = 600;
const MAX_SCENARIOS = 253;
const SERVERS_PER_PROVIDER = 8;
const DEFAULT_BASE = '127.60';

interface LabKey {
  spec: KeySpec;
  pair: DnssecKeyPair;
  dnskey: Uint8Array;
  revokedDnskey: Uint8Array;
  signing: SigningKey;
  revokedSigning: SigningKey;
}

function labKey(uidPrefix: string, spec: KeySpec, pair: DnssecKeyPair): LabKey {
  const d = decodeDnskey(pair.dnskey, 0, pair.dnskey.length);
  const revokedDnskey = encodeDnskey({ ...d, flags: d.flags | 0x0080 });
  const revokedTag = keyTag(revokedDnskey);
  return {
    spec, pair, dnskey: pair.dnskey, revokedDnskey,
    signing: { uid: `${uidPrefix}/${spec.id}`, algorithm: pair.algorithm, keyTag: pair.keyTag, privateKey: pair.privateKey },
    revokedSigning: { uid: `${uidPrefix}/${spec.id}+revoked`, algorithm: pair.algorithm, keyTag: revokedTag, privateKey: pair.privateKey },
  };
}

function dsFor(owner: string, dnskey: Uint8Array, digestType: DsDigestType): Uint8Array {
  return encodeDs({ keyTag: keyTag(dnskey), algorithm: dnskey[3] as number, digestType, digest: dsDigest(owner, dnskey, digestType) });
}

function hostName(provider: string, server: number, zone: string): string {
  return `ns-${provider.toLowerCase()}${server + 1}.${zone}`;
}

interface ScenarioRuntime {
  s: Scenario;
  zone: string;
  keys: Map<string, LabKey>;
  /** Host name and address of each provider's servers. */
  hosts: Map<string, HostAddress[]>;
  serving: Map<string, ScheduledZone>;
}

function checkOptions(o: LabOptions): { speed: number; base: string; port: number; tld: string; scenarios: Scenario[] } {
  if (o === null || typeof o !== 'object') throw new KtoError('KTO_ERR_LAB_BAD_OPTION', 'startLab needs an options object');
  const base = parseBase(o.base ?? DEFAULT_BASE);
  const port = o.port ?? 53;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `port must be an integer 1..65535, got ${String(port)}`);
  const tld = o.tld ?? 'lab';
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(tld)) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `tld must be one lower-case DNS label, got ${JSON.stringify(tld)}`);
  if (!Array.isArray(o.scenarios) || o.scenarios.length === 0) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', 'startLab needs at least one scenario');
  if (o.scenarios.length > MAX_SCENARIOS) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `at most ${MAX_SCENARIOS} scenarios fit in one lab, got ${o.scenarios.length}`);
  const scenarios = o.scenarios.map((s) => validateScenario(s));
  const labels = new Set<string>();
  for (const s of scenarios) {
    if (labels.has(s.label)) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `two scenarios use the zone label ${JSON.stringify(s.label)}: run them in separate labs`);
    labels.add(s.label);
  }
  return { speed: o.speed ?? 1, base, port, tld, scenarios };
}

/**
 * Starts a lab: generates every key, binds the root, TLD and scenario servers (UDP and TCP on
 * `port` of their 127.x addresses) and starts the resolvers. If anything fails, what was started is
 * stopped before the error is thrown (KTO_ERR_LAB_ADDRESS_IN_USE, _BAD_ADDRESS, _RESOLVER_FAILED ...).
 */
export async function startLab(options: LabOptions): Promise<RunningLab> {
  const o = checkOptions(options);
  const resolverSpecs = options.resolvers === undefined || options.resolvers === 'default'
    ? [...DEFAULT_RESOLVERS] : validateResolverSpecs(options.resolvers);
  const tld = `${o.tld}.`;
  const addr = (a: number, b: number): string => `${o.base}.${a}.${b}`;
  const rootAddress = addr(0, 1);
  const tldAddress = addr(0, 2);
  const rootHost = `root-ns.${tld}`;
  const tldHost = `tld-ns.${tld}`;
  [rootAddress, tldAddress].forEach((a) => assertLoopback(a));

  // keys: the root's, the TLD's and every scenario's, generated in parallel
  const gen = (alg: number, flags: number, bits?: number): Promise<DnssecKeyPair> =>
    generateDnssecKeyAsync({ algorithm: alg, flags, ...(bits !== undefined ? { rsaBits: bits } : {}) });
  const [rootKsk, rootZsk, tldKsk, tldZsk] = await Promise.all([gen(13, 257), gen(13, 256), gen(13, 257), gen(13, 256)]);
  const runtimes: ScenarioRuntime[] = await Promise.all(o.scenarios.map(async (s, i) => {
    const zone = `${s.label}.${tld}`;
    const pairs = await Promise.all(s.keys.map((k) => gen(k.algorithm, k.role === 'ZSK' ? 256 : 257, k.algorithm === 8 || k.algorithm === 10 ? k.bits ?? 2048 : undefined)));
    const keys = new Map(s.keys.map((k, j) => [k.id, labKey(s.name, k, pairs[j] as DnssecKeyPair)]));
    const hosts = new Map<string, HostAddress[]>();
    const counts = new Map((s.providers ?? [{ id: 'A' }]).map((p) => [p.id, p.servers ?? 1]));
    providerIds(s).forEach((p, pi) => {
      const n = counts.get(p) ?? 1;
      hosts.set(p, Array.from({ length: n }, (_, si) => ({ name: hostName(p, si, zone), address: addr(2 + i, pi * SERVERS_PER_PROVIDER + si + 1) })));
    });
    return { s, zone, keys, hosts, serving: new Map() };
  }));

  // held at lab second 0 until the servers and resolvers answer (clock.ts)
  const clock = createHeldClock(o.speed);
  const warnings: string[] = [];
  const minTtl = Math.min(...o.scenarios.flatMap((s) => [s.ttl.dnskey, s.ttl.zone, s.ttl.ds]));
  if (minTtl / clock.speed < 1) {
    warnings.push(`speed ${clock.speed} makes the smallest TTL (${minTtl} lab s) shorter than 1 s: it is served as 1 s, so caches hold data longer than the scenario's waits assume`);
  }
  const serialBase = Math.floor(clock.startMs / 1000);
  const rootKey = (pair: DnssecKeyPair, uid: string): SigningKey => ({ uid, algorithm: pair.algorithm, keyTag: pair.keyTag, privateKey: pair.privateKey });
  const infraSigners = (ksk: DnssecKeyPair, zsk: DnssecKeyPair, name: string): ZoneSigner[] => [
    { key: rootKey(ksk, `${name}/KSK`), dnskey: true, zone: false },
    { key: rootKey(zsk, `${name}/ZSK`), dnskey: false, zone: true },
  ];
  const infraValidity = { seconds: 10 * INFRA_TTL, since: 0 };
  const windowAt = (epoch: number, maxTtlLab: number, validity: number) => ({
    inception: Math.floor(clock.realSeconds(epoch - maxTtlLab)),
    expiration: Math.floor(clock.realSeconds(epoch + validity)),
  });
  const minDsTtl = Math.min(...o.scenarios.map((s) => s.ttl.ds));
  const allHosts = (rt: ScenarioRuntime, providers: readonly string[]): HostAddress[] => providers.flatMap((p) => rt.hosts.get(p) ?? []);

  // the root: static content, re-signed on its schedule
  const rootCache = new SignatureCache();
  const rootSigners = infraSigners(rootKsk, rootZsk, '.');
  const root = new ScheduledZone('.', clock, (t): ZoneVersion => {
    const data = buildZone({
      apex: '.', serial: serialBase, ttl: { zone: clock.ttl(INFRA_TTL), dnskey: clock.ttl(INFRA_TTL), negative: clock.ttl(INFRA_TTL) },
      nsHosts: [rootHost], addresses: [], dnskeys: [rootKsk.dnskey, rootZsk.dnskey], cds: [], cdnskeys: [], csync: false,
      delegations: [{
        name: tld, nsHosts: [tldHost], ds: [dsFor(tld, tldKsk.dnskey, 2)], nsTtl: clock.ttl(INFRA_TTL), dsTtl: clock.ttl(INFRA_TTL),
        glue: [{ name: tldHost, address: tldAddress }, { name: rootHost, address: rootAddress }],
      }],
    });
    const { epoch, next } = signingEpoch(t, infraValidity, undefined);
    const signed = rootCache.signZone(data, rootSigners, windowAt(epoch, INFRA_TTL, infraValidity.seconds));
    return { zone: new SignedZone(data, signed), next };
  });

  // the TLD: the scenarios' delegations as their parents have them at t
  const tldCache = new SignatureCache();
  const tldSigners = infraSigners(tldKsk, tldZsk, tld);
  const parentTimes = [...new Set(o.scenarios.flatMap((s) => parentChangeTimes(s)))].sort((a, b) => a - b);
  const tldZone = new ScheduledZone(tld, clock, (t): ZoneVersion => {
    let version = 0;
    const delegations: DelegationInput[] = runtimes.map((rt) => {
      const st = stateAt(rt.s, t);
      version += st.parent.version;
      const ns = allHosts(rt, st.parent.ns);
      return {
        name: rt.zone, nsHosts: ns.map((h) => h.name), glue: ns,
        ds: st.parent.ds.map((d) => dsFor(rt.zone, (rt.keys.get(d.key) as LabKey).dnskey, d.digestType)),
        nsTtl: clock.ttl(rt.s.ttl.zone), dsTtl: clock.ttl(rt.s.ttl.ds),
      };
    });
    const data = buildZone({
      apex: tld, serial: serialBase + version,
      ttl: { zone: clock.ttl(INFRA_TTL), dnskey: clock.ttl(INFRA_TTL), negative: clock.ttl(Math.min(INFRA_TTL, minDsTtl)) },
      nsHosts: [tldHost], addresses: [{ name: tldHost, address: tldAddress }, { name: rootHost, address: rootAddress }],
      dnskeys: [tldKsk.dnskey, tldZsk.dnskey], cds: [], cdnskeys: [], csync: false, delegations,
    });
    const { epoch, next } = signingEpoch(t, infraValidity, undefined);
    const signed = tldCache.signZone(data, tldSigners, windowAt(epoch, INFRA_TTL, infraValidity.seconds));
    const nextParent = parentTimes.find((x) => x > t) ?? Infinity;
    return { zone: new SignedZone(data, signed), next: Math.min(next, nextParent) };
  });

  // the scenario zones, one version per provider
  for (const rt of runtimes) {
    const { s } = rt;
    const every = allHosts(rt, providerIds(s));
    for (const provider of providerIds(s)) {
      const cache = new SignatureCache();
      rt.serving.set(provider, new ScheduledZone(rt.zone, clock, (t): ZoneVersion => {
        const st = stateAt(s, t);
        const ps = st.providers.find((p) => p.provider === provider);
        if (ps === undefined) throw new Error(`provider ${provider} missing from the state of ${s.name}`);
        const key = (id: string): LabKey => rt.keys.get(id) as LabKey;
        const revoked = new Set(ps.dnskeys.filter((k) => k.revoked).map((k) => k.key));
        let cds: Uint8Array[] = [];
        let cdnskeys: Uint8Array[] = [];
        if (ps.cds === 'delete') {
          cds = [CDS_DELETE];
          cdnskeys = [CDNSKEY_DELETE];
        } else if (ps.cds !== null) {
          cds = ps.cds.keys.map((id) => dsFor(rt.zone, key(id).dnskey, 2));
          cdnskeys = ps.cds.keys.map((id) => key(id).dnskey);
        }
        const data = buildZone({
          apex: rt.zone, serial: serialBase + st.stepsApplied,
          ttl: { zone: clock.ttl(s.ttl.zone), dnskey: clock.ttl(s.ttl.dnskey), negative: clock.ttl(s.ttl.zone) },
          nsHosts: allHosts(rt, st.ns).map((h) => h.name), addresses: every,
          dnskeys: ps.dnskeys.map((k) => (k.revoked ? key(k.key).revokedDnskey : key(k.key).dnskey)),
          cds, cdnskeys, csync: st.csync, delegations: [],
        });
        const signers: ZoneSigner[] = ps.signers.map((sg) => ({
          key: revoked.has(sg.key) ? key(sg.key).revokedSigning : key(sg.key).signing, dnskey: sg.dnskey, zone: sg.zone,
        }));
        const { epoch, next } = signingEpoch(t, st.validity, st.resigningStoppedAt);
        // several providers (RFC 8901 model 2): CDS/CDNSKEY signed by the ZSKs too (signer.ts)
        const signed = cache.signZone(data, signers, windowAt(epoch, maxTtl(s), st.validity.seconds), { cdsByZoneKeys: rt.hosts.size > 1 });
        return { zone: new SignedZone(data, signed), next: Math.min(next, nextChange(s, t)) };
      }));
    }
  }

  // servers: root, TLD, one per scenario provider server
  const servers: LabServer[] = [
    { address: rootAddress, port: o.port, zone: '.', role: 'root' },
    { address: tldAddress, port: o.port, zone: tld, role: 'tld' },
  ];
  const dnsServers: LabDnsServer[] = [
    new LabDnsServer({ address: rootAddress, port: o.port, zones: [root] }),
    new LabDnsServer({ address: tldAddress, port: o.port, zones: [tldZone] }),
  ];
  for (const rt of runtimes) {
    for (const [provider, hosts] of rt.hosts) {
      const zone = rt.serving.get(provider) as ScheduledZone;
      for (const h of hosts) {
        servers.push({ address: h.address, port: o.port, zone: rt.zone, role: 'zone', scenario: rt.s.name, provider });
        dnsServers.push(new LabDnsServer({ address: h.address, port: o.port, zones: [zone] }));
      }
    }
  }

  const rootDs = dsFor('.', rootKsk.dnskey, 2);
  const trustAnchor = `. IN DS ${rootKsk.keyTag} 13 2 ${hexEncode(rootDs.subarray(4)).toUpperCase()}`;
  const rootHintsText = `. 3600000 NS ${rootHost}\n${rootHost} 3600000 A ${rootAddress}\n`;

  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'kto-lab-'));
  const started: LabDnsServer[] = [];
  let resolverProcesses: UnboundProcess[] = [];
  // split-anycast vantage points reach the multi-provider zones through one relay (split-proxy.ts):
  // key RRsets from the last provider of the zone's current NS set, the rest from the first
  const multi = runtimes.filter((rt) => rt.hosts.size > 1);
  const split = resolverSpecs.some((s) => s.behaviour === 'split-anycast') && multi.length > 0
    ? new SplitProxy({
      address: addr(0, 250), port: o.port, zones: multi.map((rt) => rt.zone),
      route: (zone) => {
        const rt = multi.find((m) => m.zone === zone) as ScenarioRuntime;
        const ns = stateAt(rt.s, Math.max(0, clock.labNow())).ns;
        const first = allHosts(rt, ns.slice(0, 1))[0] ?? allHosts(rt, [...rt.hosts.keys()])[0] as HostAddress;
        const last = allHosts(rt, ns.slice(-1))[0] ?? first;
        return { keys: last.address, data: first.address };
      },
    })
    : undefined;
  let splitStarted = false;
  const shutdown = async (): Promise<void> => {
    await Promise.allSettled([...resolverProcesses.map((p) => p.stop()), ...started.map((srv) => srv.stop()), ...(splitStarted && split ? [split.stop()] : [])]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const results = await Promise.allSettled(dnsServers.map(async (srv) => {
      await srv.start();
      started.push(srv);
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const rootHints = join(dir, 'root.hints');
    await writeFile(rootHints, rootHintsText);
    if (split !== undefined) {
      await split.start();
      splitStarted = true;
    }
    const r = await startResolvers({
      ...(split !== undefined ? { splitProxy: { address: addr(0, 250), zones: multi.map((rt) => rt.zone) } } : {}),
      specs: resolverSpecs, addresses: resolverSpecs.map((_, i) => addr(1, i + 1)), cacheAddresses: resolverSpecs.map((_, i) => addr(1, 128 + i + 1)), port: o.port, dir, rootHints, trustAnchor, clock,
      tuning: {
        maxZoneTtl: Math.max(...o.scenarios.map((s) => maxTtl(s))),
        minZoneTtl: minTtl,
      },
      ...(options.unboundPath !== undefined ? { unboundPath: options.unboundPath } : {}),
    });
    resolverProcesses = [...r.processes, ...r.helpers];
    warnings.push(...r.warnings);
  } catch (err) {
    await shutdown();
    throw err;
  }
  // lab second 0: every zone is built anew on the started clock (the root's signatures for the
  // resolvers' readiness checks were made on the provisional one)
  clock.start();
  for (const z of [root, tldZone, ...runtimes.flatMap((rt) => [...rt.serving.values()])]) z.reset();

  const zones: LabZone[] = runtimes.map((rt) => ({
    scenario: rt.s.name, kind: rt.s.kind, procedure: rt.s.procedure, zone: rt.zone, duration: rt.s.duration,
    providers: [...rt.hosts].map(([id, hosts]) => ({ id, servers: hosts.map((h) => ({ host: h.name, address: h.address })) })),
    keys: [...rt.keys.values()].map((k) => ({
      id: k.spec.id, role: k.spec.role, algorithm: k.pair.algorithm, keyTag: k.signing.keyTag, revokedKeyTag: k.revokedSigning.keyTag,
      ...(k.spec.provider !== undefined ? { provider: k.spec.provider } : {}), dnskeyHex: hexEncode(k.dnskey),
    })),
  }));
  const resolvers = resolverProcesses.slice(0, resolverSpecs.length).map((p) => p.info);
  let stopping: Promise<void> | undefined;
  const runtime = (scenario: string, provider: string): ScheduledZone => {
    const rt = runtimes.find((x) => x.s.name === scenario);
    const z = rt?.serving.get(provider);
    if (z === undefined) throw new KtoError('KTO_ERR_LAB_BAD_OPTION', `no provider ${JSON.stringify(provider)} of scenario ${JSON.stringify(scenario)} in this lab`);
    return z;
  };
  return {
    clock,
    labNow: () => clock.labNow(),
    trustAnchor,
    servers,
    resolvers,
    zones,
    warnings,
    dir,
    describe: () => ({
      speed: clock.speed, base: o.base, startedAt: new Date(clock.startMs).toISOString(), startMs: clock.startMs, trustAnchor,
      rootHints: rootHintsText, root: { zone: '.', address: rootAddress }, tld: { zone: tld, address: tldAddress },
      resolvers: [...resolvers], servers: [...servers], zones, warnings: [...warnings],
    }),
    zoneAt: (scenario, provider, t) => runtime(scenario, provider).at(t),
    currentZone: (scenario, provider) => runtime(scenario, provider).current(),
    stop: () => (stopping ??= shutdown()),
  };
}
