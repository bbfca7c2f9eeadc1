// A private, DNSSEC-signed DNS hierarchy on loopback with real validating resolvers, for the
// integration tests of the observation pipeline (ARCHITECTURE.md §6).
//
//   .                 127.S.0.1  ECDSA P-256 KSK+ZSK; its DS is the resolvers' trust anchor
//   kto-test.         127.S.0.2  ECDSA P-256 KSK+ZSK
//   alpha.kto-test.   127.S.0.3  ECDSA P-256 (13) KSK+ZSK, NSEC
//   beta.kto-test.    127.S.0.4  RSA/SHA-256 (8) KSK+ZSK, plus a published next ZSK and a stand-by
//                                KSK that do not sign, so the DNSKEY answer exceeds 1232 octets;
//                                CDS and CDNSKEY for its active KSK; CSYNC
//   gamma.kto-test.   127.S.0.5  Ed25519 (15) CSK, NSEC3 (no salt, 0 extra iterations)
//   broken.kto-test.  127.S.0.6  bogus: the parent's DS matches no key of the zone
//   expired.kto-test. 127.S.0.7  bogus: every signature expired 10 days ago
//   Unbound resolvers 127.S.1.1, 127.S.1.2, ...
//
// Keys come from dnssec-keygen, DS records from dnssec-dsfromkey, signatures from dnssec-signzone
// (bind9-utils); each zone is served, pre-signed, by its own knotd (knot) over UDP and TCP on port
// 53 of its address. The resolvers iterate from the lab root and validate from its DS. Every TTL is
// 60 s (SOA minimum 60). Nothing is cached between runs: keys are made afresh in a temporary
// directory, which stop() removes after stopping, by PID, every process it started.

import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { KtoError } from '@kto/core';
import { unboundConfig } from '@kto/lab';
import { findBinary, runTool, settleAll, startDaemon, waitFor } from './processes.js';
import type { Daemon } from './processes.js';

export const DNS_WORLD_ERRORS = {
  KTO_ERR_WORLD_BAD_OPTION: 'startDnsWorld got an option it cannot use (subnet, resolvers, an Unbound option)',
  KTO_ERR_WORLD_ADDRESS_IN_USE: 'an address the DNS world needs already has a server on port 53 (another world, a leftover process)',
  KTO_ERR_WORLD_CANNOT_BIND: 'the DNS world cannot bind port 53 on its loopback addresses (needs root or CAP_NET_BIND_SERVICE, and 127.0.0.0/8 on lo)',
  KTO_ERR_WORLD_TOOL_OUTPUT: 'dnssec-keygen or dnssec-dsfromkey wrote output the DNS world cannot parse',
  KTO_ERR_WORLD_NOT_VALIDATING: 'a resolver of the DNS world did not answer the root SOA with NOERROR and AD=1',
  KTO_ERR_WORLD_DNS_TIMEOUT: 'a DNS query sent by the world or its tests got no reply in time',
  KTO_ERR_WORLD_DNS_BAD_REPLY: 'a reply to a DNS query sent by the world or its tests is not a response to that query',
} as const;

export type DnsWorldErrorCode = keyof typeof DNS_WORLD_ERRORS;

export type KeyRole = 'KSK' | 'ZSK' | 'CSK';

export interface WorldKey {
  keyTag: number;
  algorithm: number;
  /** DNSKEY flags: 257 for a KSK or CSK, 256 for a ZSK. */
  flags: number;
  role: KeyRole;
  publicKeyBase64: string;
  /** True if the key makes signatures; false for a key that is only published. */
  signing: boolean;
}

export interface WorldDs {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digestHex: string;
}

export interface WorldZone {
  /** Fully qualified, lower case: '.', 'kto-test.', 'alpha.kto-test.' ... */
  name: string;
  /** 'secure' if a validating resolver must set AD=1; 'bogus' if it must answer SERVFAIL. */
  validation: 'secure' | 'bogus';
  denial: 'NSEC' | 'NSEC3';
  /** SOA serial (the same in every zone of a world: the start time in Unix seconds). */
  serial: number;
  /** The zone's DNSKEY RRset. */
  keys: WorldKey[];
  /** The DS RRset the parent serves for the zone; for the root, the resolvers' trust anchor. */
  ds: WorldDs[];
}

export interface WorldServer {
  address: string;
  port: number;
}

export interface WorldAuthoritative extends WorldServer {
  zone: string;
  pid: number;
}

export interface WorldResolver extends WorldServer {
  label: string;
  pid: number;
}

export type UnboundOptionValue = string | number | boolean;

export interface ResolverSpec {
  /** Default: 'unbound-1', 'unbound-2', ... */
  label?: string;
  /**
   * Extra `server:` options for this Unbound, written after the world's own so they win where
   * Unbound keeps the last value: e.g. { 'cache-min-ttl': 60 } to make it lag on purpose,
   * { 'cache-max-ttl': 20 }. Booleans are written as yes/no.
   */
  options?: Readonly<Record<string, UnboundOptionValue>>;
}

export interface DnsWorldOptions {
  /** The first two octets of every address, e.g. '127.53' (the world lives in 127.53.0.0/16). */
  subnet: string;
  /** Parent of the world's temporary directory (default: the OS temp dir). */
  dir?: string;
  /** How many Unbound resolvers (default 2), or one spec per resolver. */
  resolvers?: number | readonly ResolverSpec[];
}

export interface DnsWorld {
  /** The world's temporary directory (zones, keys, configs, logs); removed by stop(). */
  readonly dir: string;
  readonly subnet: string;
  /** Wall time of startDnsWorld, ms. */
  readonly startupMs: number;
  /** The root's DS RR in presentation format, as the resolvers are configured with it. */
  readonly trustAnchor: string;
  readonly resolvers: readonly WorldResolver[];
  readonly authoritatives: readonly WorldAuthoritative[];
  readonly zones: readonly WorldZone[];
  /** Stops every process the world started (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The world's zones

type Breakage = 'none' | 'ds-mismatch' | 'expired-signatures';

interface KeySpec {
  role: KeyRole;
  algorithm: 8 | 13 | 15;
  /** true: signs (ZSK: zone data; KSK: DNSKEY, CDS, CDNSKEY; CSK: everything). */
  signing: boolean;
  /** false for a key that exists only so that the parent can carry a DS for it. */
  published: boolean;
  /** The parent's DS RRset holds a DS for this key. */
  inParentDs: boolean;
}

interface ZoneSpec {
  name: string;
  label: string;
  /** Last octet of the zone's server address, 127.S.0.<hostOctet>. */
  hostOctet: number;
  keys: KeySpec[];
  denial: 'NSEC' | 'NSEC3';
  cdsCdnskey: boolean;
  csync: boolean;
  breakage: Breakage;
}

const TTL = 60;
const TLD = 'kto-test.';
const PORT = 53;
const RSA_BITS = 2048;
/** sun_path of a Unix socket on Linux holds 108 octets with the terminating NUL. */
const MAX_UNIX_SOCKET_PATH = 107;
const DIR_PREFIX = 'kto-dns-world-';

const ksk = (algorithm: KeySpec['algorithm']): KeySpec => ({ role: 'KSK', algorithm, signing: true, published: true, inParentDs: true });
const zsk = (algorithm: KeySpec['algorithm']): KeySpec => ({ role: 'ZSK', algorithm, signing: true, published: true, inParentDs: false });
const plain = { denial: 'NSEC', cdsCdnskey: false, csync: false, breakage: 'none' } as const;

const ROOT: ZoneSpec = { name: '.', label: 'root', hostOctet: 1, keys: [ksk(13), zsk(13)], ...plain };
const TLD_ZONE: ZoneSpec = { name: TLD, label: 'tld', hostOctet: 2, keys: [ksk(13), zsk(13)], ...plain };
const LEAVES: readonly ZoneSpec[] = [
  { name: `alpha.${TLD}`, label: 'alpha', hostOctet: 3, keys: [ksk(13), zsk(13)], ...plain },
  {
    name: `beta.${TLD}`, label: 'beta', hostOctet: 4,
    // four RSA-2048 keys (active KSK and ZSK, a pre-published next ZSK, a stand-by KSK) and the
    // KSK's RRSIG make a DNSKEY answer of about 1,450 octets
    keys: [
      ksk(8), zsk(8),
      { role: 'ZSK', algorithm: 8, signing: false, published: true, inParentDs: false },
      { role: 'KSK', algorithm: 8, signing: false, published: true, inParentDs: false },
    ],
    ...plain, cdsCdnskey: true, csync: true,
  },
  {
    name: `gamma.${TLD}`, label: 'gamma', hostOctet: 5,
    keys: [{ role: 'CSK', algorithm: 15, signing: true, published: true, inParentDs: true }],
    ...plain, denial: 'NSEC3',
  },
  {
    name: `broken.${TLD}`, label: 'broken', hostOctet: 6,
    keys: [
      { ...ksk(13), inParentDs: false }, zsk(13),
      { role: 'KSK', algorithm: 13, signing: false, published: false, inParentDs: true },
    ],
    ...plain, breakage: 'ds-mismatch',
  },
  { name: `expired.${TLD}`, label: 'expired', hostOctet: 7, keys: [ksk(13), zsk(13)], ...plain, breakage: 'expired-signatures' },
];

const KEYGEN_ALGORITHM: Record<KeySpec['algorithm'], readonly string[]> = {
  8: ['-a', 'RSASHA256', '-b', String(RSA_BITS)],
  13: ['-a', 'ECDSAP256SHA256'],
  15: ['-a', 'ED25519'],
};

interface Tools {
  keygen: string;
  signzone: string;
  dsfromkey: string;
  knotd: string;
  unbound: string;
}

async function findTools(): Promise<Tools> {
  const [keygen, signzone, dsfromkey, knotd, unbound] = await settleAll([
    findBinary('dnssec-keygen', 'bind9-utils'),
    findBinary('dnssec-signzone', 'bind9-utils'),
    findBinary('dnssec-dsfromkey', 'bind9-utils'),
    findBinary('knotd', 'knot'),
    findBinary('unbound', 'unbound'),
  ]);
  return { keygen: keygen!, signzone: signzone!, dsfromkey: dsfromkey!, knotd: knotd!, unbound: unbound! };
}

interface MadeKey {
  spec: KeySpec;
  /** Path without extension: <dir>/K<name>+<alg>+<tag> */
  base: string;
  key: WorldKey;
  /** The DNSKEY RR line of the .key file. */
  dnskeyLine: string;
  ds: WorldDs | undefined;
}

interface BuiltZone {
  spec: ZoneSpec;
  address: string;
  /** Where the signing keys are (the others are in its not-signing/). */
  keyDir: string;
  keys: MadeKey[];
  info: WorldZone;
  signedFile: string;
}

const DNSKEY_RE = /^(\S+)\s+(\d+\s+)?(IN\s+)?DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+)$/;
const KEY_NAME_RE = /\+(\d{3})\+(\d{5})$/;
const DS_RE = /\sDS\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9A-Fa-f]+)\s*$/;

async function makeKey(tools: Tools, zone: ZoneSpec, spec: KeySpec, keyDir: string): Promise<MadeKey> {
  // keys that must not sign live apart, so dnssec-signzone never finds their private half
  const dir = spec.signing ? keyDir : join(keyDir, 'not-signing');
  await mkdir(dir, { recursive: true });
  const flags = spec.role === 'ZSK' ? [] : ['-f', 'KSK'];
  const out = await runTool(tools.keygen, [
    '-q', '-K', dir, ...KEYGEN_ALGORITHM[spec.algorithm], ...flags, '-L', String(TTL), '-n', 'ZONE', zone.name,
  ]);
  const name = out.stdout.trim();
  const m = KEY_NAME_RE.exec(name);
  if (m === null) throw toolOutput('dnssec-keygen', out.stdout);
  const base = join(dir, name);
  const keyFile = await readFile(`${base}.key`, 'utf8');
  const line = keyFile.split('\n').find((l) => l.trim() !== '' && !l.startsWith(';'));
  const k = line === undefined ? null : DNSKEY_RE.exec(line.trim());
  if (line === undefined || k === null) throw toolOutput('dnssec-keygen (.key file)', keyFile);
  const key: WorldKey = {
    keyTag: Number(m[2]),
    algorithm: Number(k[6]),
    flags: Number(k[4]),
    role: spec.role,
    publicKeyBase64: k[7]!.replace(/\s+/g, ''),
    signing: spec.signing,
  };
  if (key.algorithm !== spec.algorithm || key.algorithm !== Number(m[1])) throw toolOutput('dnssec-keygen (algorithm)', keyFile);
  let ds: WorldDs | undefined;
  if (spec.inParentDs) {
    const dsOut = await runTool(tools.dsfromkey, ['-2', `${base}.key`]);
    const d = DS_RE.exec(dsOut.stdout.trim());
    if (d === null) throw toolOutput('dnssec-dsfromkey', dsOut.stdout);
    ds = { keyTag: Number(d[1]), algorithm: Number(d[2]), digestType: Number(d[3]), digestHex: d[4]!.toUpperCase() };
  }
  return { spec, base, key, dnskeyLine: line.trim(), ds };
}

function toolOutput(tool: string, text: string): KtoError {
  return new KtoError('KTO_ERR_WORLD_TOOL_OUTPUT', `unexpected output from ${tool}: ${JSON.stringify(text.slice(0, 500))}`);
}

function rr(owner: string, type: string, rdata: string): string {
  return `${owner} ${TTL} IN ${type} ${rdata}`;
}

function soa(zone: string, mname: string, serial: number): string {
  const rname = zone === '.' ? `hostmaster.${TLD}` : `hostmaster.${zone}`;
  return rr(zone, 'SOA', `${mname} ${rname} ${serial} 300 60 86400 ${TTL}`);
}

function dsLines(owner: string, ds: readonly WorldDs[]): string[] {
  return ds.map((d) => rr(owner, 'DS', `${d.keyTag} ${d.algorithm} ${d.digestType} ${d.digestHex}`));
}

/** The unsigned zone text: its own data, delegations with DS and glue, its DNSKEY (and CDS...) RRsets. */
function zoneText(z: BuiltZone, children: readonly BuiltZone[], subnet: string, rootAddress: string): string {
  const { name } = z.spec;
  const lines = [`; ${name} of the KTO DNS world on ${subnet}.0.0/16`];
  if (name === '.') {
    const ns = `root-ns.${TLD}`;
    lines.push(soa(name, ns, z.info.serial), rr(name, 'NS', ns), rr(ns, 'A', rootAddress));
  } else {
    const ns = `ns1.${name}`;
    lines.push(soa(name, ns, z.info.serial), rr(name, 'NS', ns), rr(ns, 'A', z.address));
    if (name === TLD) lines.push(rr(`root-ns.${TLD}`, 'A', rootAddress));
    else lines.push(rr(`www.${name}`, 'A', '192.0.2.1'), rr(`www.${name}`, 'AAAA', '2001:db8::1'), rr(name, 'TXT', `"KTO DNS world zone ${z.spec.label}"`));
  }
  for (const c of children) {
    const ns = `ns1.${c.spec.name}`;
    lines.push(rr(c.spec.name, 'NS', ns), rr(ns, 'A', c.address), ...dsLines(c.spec.name, c.info.ds));
  }
  for (const k of z.keys) if (k.spec.published) lines.push(k.dnskeyLine);
  if (z.spec.cdsCdnskey) {
    for (const k of z.keys) {
      if (k.ds === undefined) continue;
      lines.push(rr(name, 'CDNSKEY', `${k.key.flags} 3 ${k.key.algorithm} ${k.key.publicKeyBase64}`));
      lines.push(rr(name, 'CDS', `${k.ds.keyTag} ${k.ds.algorithm} ${k.ds.digestType} ${k.ds.digestHex}`));
    }
  }
  // RFC 7477: immediate (1) | soaminimum (2); the parent should copy NS, A and AAAA
  if (z.spec.csync) lines.push(rr(name, 'CSYNC', `${z.info.serial} 3 A NS AAAA`));
  return `${lines.join('\n')}\n`;
}

/** YYYYMMDDHHMMSS in UTC, the absolute time format of dnssec-signzone -s / -e. */
function signzoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function signZone(tools: Tools, z: BuiltZone, unsignedFile: string, now: number): Promise<void> {
  const hour = 3_600_000;
  const day = 24 * hour;
  const expired = z.spec.breakage === 'expired-signatures';
  // valid zones: from an hour ago (clock skew) for 30 days. The expired one: 30 days that ended 10
  // days ago, far beyond the skew validators forgive (Unbound: 10 % of the validity, at most a day)
  const inception = expired ? now - 40 * day : now - hour;
  const expiration = expired ? now - 10 * day : now + 30 * day;
  const signing = z.keys.filter((k) => k.spec.signing);
  const hasZsk = signing.some((k) => k.spec.role === 'ZSK');
  const args = [
    '-o', z.spec.name, '-K', z.keyDir, '-f', z.signedFile,
    '-s', signzoneTime(inception), '-e', signzoneTime(expiration),
    // KSKs sign only DNSKEY, CDS, CDNSKEY (-x); a CSK signs everything (-z)
    hasZsk ? '-x' : '-z',
    ...(z.spec.denial === 'NSEC3' ? ['-3', '-', '-H', '0'] : []),
    // dnssec-signzone's own check of the result would reject signatures that expired on purpose
    ...(expired ? ['-P'] : []),
    '-q', unsignedFile, ...signing.map((k) => k.base),
  ];
  await runTool(tools.signzone, args, { cwd: z.keyDir });
}

// ---------------------------------------------------------------------------------------------
// Servers

function knotDir(worldDir: string, zone: ZoneSpec): string {
  return join(worldDir, `knot-${zone.label}`);
}

function knotConfig(zoneName: string, address: string, zoneFile: string, serverDir: string): string {
  return [
    'server:',
    `    rundir: "${serverDir}/run"`,
    `    listen: ${address}@${PORT}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    // loopback has no fragmentation: let clients with a large EDNS buffer get large answers over UDP
    '    udp-max-payload: 4096',
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${serverDir}/db"`,
    'template:',
    '  - id: default',
    `    storage: "${serverDir}"`,
    // serve the pre-signed file as it is: no journal, never write the zone file back
    '    zonefile-load: whole',
    '    zonefile-sync: -1',
    '    journal-content: none',
    '    dnssec-signing: off',
    'zone:',
    `  - domain: ${zoneName}`,
    `    file: "${zoneFile}"`,
    '',
  ].join('\n');
}

const OPTION_NAME_RE = /^[a-z][a-z0-9-]*$/;

function unboundOptionLines(label: string, options: Readonly<Record<string, UnboundOptionValue>> | undefined): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(options ?? {})) {
    const text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
    if (!OPTION_NAME_RE.test(name) || /[\r\n]/.test(text) || text === '') {
      throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `resolver ${label}: Unbound option ${JSON.stringify(name)}: ${JSON.stringify(text)} is not a single "name: value" line`);
    }
    lines.push(`${name}: ${text}`);
  }
  return lines;
}

interface Plan {
  subnet: string;
  resolvers: { label: string; address: string; options: string[] }[];
}

function plan(opts: DnsWorldOptions): Plan {
  const m = /^127\.(\d{1,3})$/.exec(opts.subnet);
  if (m === null || Number(m[1]) > 255) {
    throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `subnet must be "127.N" with N in 0..255 (the world lives in 127.N.0.0/16), got ${JSON.stringify(opts.subnet)}`);
  }
  const count = typeof opts.resolvers === 'object' ? opts.resolvers.length : opts.resolvers ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 254) {
    throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `resolvers must be 1..254 resolvers, got ${String(count)}`);
  }
  const specs: readonly ResolverSpec[] = typeof opts.resolvers === 'object' ? opts.resolvers : Array.from({ length: count }, () => ({}));
  const labels = new Set<string>();
  const resolvers = specs.map((s, i) => {
    const label = s.label ?? `unbound-${i + 1}`;
    if (labels.has(label)) throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `two resolvers are labelled ${JSON.stringify(label)}`);
    labels.add(label);
    return { label, address: `${opts.subnet}.1.${i + 1}`, options: unboundOptionLines(label, s.options) };
  });
  return { subnet: opts.subnet, resolvers };
}

/**
 * Rejects with KTO_ERR_WORLD_ADDRESS_IN_USE if anything already listens on address:53 (UDP or
 * TCP): Knot binds with SO_REUSEPORT and would silently share the port with a leftover server.
 */
async function assertAddressFree(address: string): Promise<void> {
  const inUse = (err: unknown): KtoError => ((err as NodeJS.ErrnoException).code === 'EADDRINUSE'
    ? new KtoError(
      'KTO_ERR_WORLD_ADDRESS_IN_USE',
      `${address}:${PORT} is in use; is another DNS world on this subnet, or a leftover server? (ss -lunpt)`,
      { address },
    )
    : new KtoError(
      'KTO_ERR_WORLD_CANNOT_BIND',
      `cannot bind ${address}:${PORT} (${(err as Error).message}): run as root (or with CAP_NET_BIND_SERVICE) on Linux, where all of 127.0.0.0/8 is on lo`,
      { address },
    ));
  await new Promise<void>((resolvePromise, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', (err) => { sock.close(); reject(inUse(err)); });
    sock.bind(PORT, address, () => sock.close(() => resolvePromise()));
  });
  await new Promise<void>((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (err) => reject(inUse(err)));
    server.listen({ port: PORT, host: address, exclusive: true }, () => server.close(() => resolvePromise()));
  });
}

// ---------------------------------------------------------------------------------------------
// Probe queries

export interface DnsQueryOptions {
  transport?: 'udp' | 'tcp';
  /** EDNS UDP payload size the query advertises (default 1232). */
  udpPayloadSize?: number;
  /** DO bit (default true). */
  dnssecOk?: boolean;
  /** RD bit (default true). */
  recursionDesired?: boolean;
  /** CD bit (default false). */
  checkingDisabled?: boolean;
  timeoutMs?: number;
}

export interface DnsReply {
  /** The response decoded by dns-packet (CDS, CDNSKEY and unknown types such as CSYNC: raw RDATA). */
  message: DecodedPacket;
  /** RCODE mnemonic: 'NOERROR', 'SERVFAIL', 'NXDOMAIN' ... */
  rcode: string;
  /** The response as received (without the TCP length prefix). */
  bytes: Buffer;
  transport: 'udp' | 'tcp';
}

/** A query message: one question (name in presentation form, type as a number), EDNS0 OPT. */
function encodeQuery(id: number, name: string, type: number, o: DnsQueryOptions): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.alloc(labels.reduce((n, l) => n + 1 + l.length, 1));
  let off = 0;
  for (const label of labels) {
    if (label.length < 1 || label.length > 63 || !/^[\x21-\x7e]+$/.test(label)) {
      throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `cannot query ${JSON.stringify(name)}: bad label ${JSON.stringify(label)}`);
    }
    qname[off++] = label.length;
    off += qname.write(label, off, 'latin1');
  }
  const buf = Buffer.alloc(12 + qname.length + 4 + 11);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE((o.recursionDesired ?? true ? 0x0100 : 0) | (o.checkingDisabled ? 0x0010 : 0), 2);
  buf.writeUInt16BE(1, 4); // QDCOUNT
  buf.writeUInt16BE(1, 10); // ARCOUNT: the OPT RR
  off = 12 + qname.copy(buf, 12);
  buf.writeUInt16BE(type, off);
  buf.writeUInt16BE(1, off + 2); // IN
  off += 4;
  buf[off] = 0; // OPT owner: root
  buf.writeUInt16BE(41, off + 1);
  buf.writeUInt16BE(o.udpPayloadSize ?? 1232, off + 3);
  buf.writeUInt32BE(o.dnssecOk ?? true ? 0x8000 : 0, off + 5); // extended RCODE 0, version 0, DO
  buf.writeUInt16BE(0, off + 9);
  return buf;
}

function decodeReply(bytes: Buffer, id: number, transport: 'udp' | 'tcp'): DnsReply {
  let message: DecodedPacket;
  try {
    message = dnsPacket.decode(bytes);
  } catch (err) {
    throw new KtoError('KTO_ERR_WORLD_DNS_BAD_REPLY', `undecodable reply (${bytes.length} octets): ${(err as Error).message}`, undefined, { cause: err });
  }
  if (message.id !== id || !message.flag_qr) {
    throw new KtoError('KTO_ERR_WORLD_DNS_BAD_REPLY', `reply id ${String(message.id)} qr=${String(message.flag_qr)}, expected a response to id ${id}`);
  }
  // dns-packet decodes the RCODE to its mnemonic, but its type declarations do not have the field
  const { rcode } = message as DecodedPacket & { rcode?: unknown };
  return { message, rcode: typeof rcode === 'string' ? rcode : `RCODE${bytes[3]! & 0x0f}`, bytes, transport };
}

/**
 * Sends one query to `server` over UDP or TCP and decodes the reply (with dns-packet). No retry
 * and no TCP fallback: a truncated UDP reply is returned as it is. Rejects with
 * KTO_ERR_WORLD_DNS_TIMEOUT if nothing comes back within timeoutMs (default 5000).
 */
export function queryDns(server: WorldServer, name: string, type: number, opts: DnsQueryOptions = {}): Promise<DnsReply> {
  const id = randomInt(0, 0x10000);
  const query = encodeQuery(id, name, type, opts);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const transport = opts.transport ?? 'udp';
  const what = `${name} type ${type} to ${server.address}:${server.port}/${transport}`;
  return new Promise((resolvePromise, reject) => {
    let finish: (err: Error | null, reply?: DnsReply) => void;
    const timer = setTimeout(() => finish(new KtoError('KTO_ERR_WORLD_DNS_TIMEOUT', `no reply to ${what} within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    if (transport === 'udp') {
      const sock = createSocket(server.address.includes(':') ? 'udp6' : 'udp4');
      finish = (err, reply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.close();
        if (err !== null) reject(err);
        else resolvePromise(reply!);
      };
      sock.on('error', (err) => finish(err));
      sock.on('message', (msg, rinfo) => {
        // ignore strays: only a datagram from the server with our id is the answer
        if (rinfo.address !== server.address || rinfo.port !== server.port || msg.length < 2 || msg.readUInt16BE(0) !== id) return;
        try {
          finish(null, decodeReply(msg, id, 'udp'));
        } catch (err) {
          finish(err as Error);
        }
      });
      sock.connect(server.port, server.address, () => sock.send(query));
      return;
    }
    const sock = createConnection({ host: server.address, port: server.port });
    finish = (err, reply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err !== null) reject(err);
      else resolvePromise(reply!);
    };
    const chunks: Buffer[] = [];
    let received = 0;
    sock.on('error', (err) => finish(err));
    sock.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      sock.write(framed);
    });
    sock.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      const length = all.readUInt16BE(0);
      if (received < 2 + length) return;
      try {
        finish(null, decodeReply(all.subarray(2, 2 + length), id, 'tcp'));
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.on('end', () => finish(new KtoError('KTO_ERR_WORLD_DNS_BAD_REPLY', `${what}: connection closed after ${received} octets`)));
  });
}

/** undefined for the errors of a server that is not listening yet: no reply, connection refused. */
async function probe(server: WorldServer, name: string, type: number, opts: DnsQueryOptions): Promise<DnsReply | undefined> {
  try {
    return await queryDns(server, name, type, { timeoutMs: 300, ...opts });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'KTO_ERR_WORLD_DNS_TIMEOUT' || code === 'ECONNREFUSED' || code === 'ECONNRESET') return undefined;
    throw err;
  }
}

const SOA_TYPE = 6;

async function waitForAuthoritative(d: Daemon, server: WorldAuthoritative, serial: number): Promise<void> {
  for (const transport of ['udp', 'tcp'] as const) {
    await waitFor(async () => {
      const reply = await probe(server, server.zone, SOA_TYPE, { transport, recursionDesired: false });
      if (reply === undefined) return undefined;
      const soaRr = reply.message.answers?.find((a) => a.type === 'SOA');
      // the serial is this world's: a stale server on the same address would not have it
      if (reply.rcode !== 'NOERROR' || !reply.message.flag_aa || soaRr?.type !== 'SOA' || soaRr.data.serial !== serial) {
        return undefined;
      }
      return true;
    }, { what: `${d.label} answering the SOA of ${server.zone} over ${transport}`, timeoutMs: 10_000, check: () => d.assertRunning() });
  }
}

async function waitForResolver(d: Daemon, server: WorldResolver): Promise<void> {
  const reply = await waitFor(
    () => probe(server, '.', SOA_TYPE, {}),
    { what: `${d.label} answering the root SOA`, timeoutMs: 15_000, check: () => d.assertRunning() },
  );
  if (reply.rcode !== 'NOERROR' || !reply.message.flag_ad) {
    throw new KtoError(
      'KTO_ERR_WORLD_NOT_VALIDATING',
      `${d.label} answered the root SOA with ${reply.rcode} AD=${reply.message.flag_ad ? 1 : 0}: ${await d.logTail()}`,
      { label: server.label },
    );
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Starts a DNS world on `opts.subnet`: keys, signed zones, one knotd per zone, then the Unbound
 * resolvers, each awaited until it answers a SOA query (a resolver: the root SOA with AD=1).
 * If anything fails, every process already started is stopped and the directory removed before
 * the error is thrown.
 */
export async function startDnsWorld(opts: DnsWorldOptions): Promise<DnsWorld> {
  const started = performance.now();
  const p = plan(opts);
  const tools = await findTools();
  const address = (octet: number): string => `${p.subnet}.0.${octet}`;
  const zoneSpecs = [ROOT, TLD_ZONE, ...LEAVES];

  const parent = opts.dir ?? tmpdir();
  // Knot's control socket is <rundir>/knot.sock; knotd exits if the path does not fit
  const longestSocket = zoneSpecs
    .map((z) => join(knotDir(join(parent, `${DIR_PREFIX}XXXXXX`), z), 'run', 'knot.sock'))
    .reduce((a, b) => (Buffer.byteLength(a) >= Buffer.byteLength(b) ? a : b));
  if (Buffer.byteLength(longestSocket) > MAX_UNIX_SOCKET_PATH) {
    throw new KtoError('KTO_ERR_WORLD_BAD_OPTION', `dir ${JSON.stringify(parent)} is too long: Knot's control socket ${longestSocket} would exceed ${MAX_UNIX_SOCKET_PATH} octets`);
  }
  await settleAll([...zoneSpecs.map((z) => address(z.hostOctet)), ...p.resolvers.map((r) => r.address)].map(assertAddressFree));

  const dir = await mkdtemp(join(parent, DIR_PREFIX));
  const daemons: Daemon[] = [];
  const shutdown = async (): Promise<void> => {
    try {
      await settleAll(daemons.map((d) => d.stop()));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    const now = Date.now();
    const serial = Math.floor(now / 1000);
    const zonesDir = join(dir, 'zones');
    await mkdir(zonesDir);

    // keys and DS records for every zone, all at once
    const built = await settleAll(zoneSpecs.map(async (spec): Promise<BuiltZone> => {
      const keyDir = join(zonesDir, 'keys', spec.label);
      const keys = await settleAll(spec.keys.map((k) => makeKey(tools, spec, k, keyDir)));
      const info: WorldZone = {
        name: spec.name,
        validation: spec.breakage === 'none' ? 'secure' : 'bogus',
        denial: spec.denial,
        serial,
        keys: keys.filter((k) => k.spec.published).map((k) => k.key),
        ds: keys.flatMap((k) => (k.ds === undefined ? [] : [k.ds])),
      };
      return { spec, address: address(spec.hostOctet), keyDir, keys, info, signedFile: join(zonesDir, `${spec.label}.zone.signed`) };
    }));
    const [root, tld, ...leaves] = built as [BuiltZone, BuiltZone, ...BuiltZone[]];
    const rootDs = root.info.ds[0]!;
    const trustAnchor = `. IN DS ${rootDs.keyTag} ${rootDs.algorithm} ${rootDs.digestType} ${rootDs.digestHex}`;

    const children = new Map<BuiltZone, BuiltZone[]>([[root, [tld]], [tld, leaves]]);
    await settleAll(built.map(async (z) => {
      const unsigned = join(zonesDir, `${z.spec.label}.zone`);
      await writeFile(unsigned, zoneText(z, children.get(z) ?? [], p.subnet, root.address));
      await signZone(tools, z, unsigned, now);
    }));

    // one knotd per zone, so that every referral is a real one
    const authoritatives: WorldAuthoritative[] = [];
    await settleAll(built.map(async (z) => {
      const serverDir = knotDir(dir, z.spec);
      await mkdir(join(serverDir, 'run'), { recursive: true });
      await mkdir(join(serverDir, 'db'));
      const conf = join(serverDir, 'knot.conf');
      await writeFile(conf, knotConfig(z.spec.name, z.address, z.signedFile, serverDir));
      const d = await startDaemon(`knotd ${z.spec.name} ${z.address}`, tools.knotd, ['-c', conf], { logFile: join(serverDir, 'knotd.log') });
      daemons.push(d);
      const server: WorldAuthoritative = { zone: z.spec.name, address: z.address, port: PORT, pid: d.pid };
      authoritatives.push(server);
      await waitForAuthoritative(d, server, serial);
    }));
    authoritatives.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));

    const rootHints = join(dir, 'root.hints');
    await writeFile(rootHints, `. 3600000 NS root-ns.${TLD}\nroot-ns.${TLD} 3600000 A ${root.address}\n`);
    const resolvers: WorldResolver[] = [];
    await settleAll(p.resolvers.map(async (r, i) => {
      const rdir = join(dir, `unbound-${i + 1}`);
      await mkdir(rdir);
      const conf = join(rdir, 'unbound.conf');
      await writeFile(conf, unboundConfig({ address: r.address, port: PORT, dir: rdir, upstream: { rootHints }, trustAnchor, options: r.options }));
      const d = await startDaemon(`unbound ${r.label} ${r.address}`, tools.unbound, ['-d', '-c', conf], { logFile: join(rdir, 'unbound.log') });
      daemons.push(d);
      const server: WorldResolver = { label: r.label, address: r.address, port: PORT, pid: d.pid };
      resolvers[i] = server;
      await waitForResolver(d, server);
    }));

    let stopping: Promise<void> | undefined;
    return {
      dir,
      subnet: p.subnet,
      startupMs: Math.round(performance.now() - started),
      trustAnchor,
      resolvers,
      authoritatives,
      zones: built.map((z) => z.info),
      stop: () => (stopping ??= shutdown()),
    };
  } catch (err) {
    try {
      await shutdown();
    } catch (cleanupErr) {
      throw new AggregateError([err, cleanupErr], `starting the DNS world failed, and so did cleaning up: ${(cleanupErr as Error).message}`);
    }
    throw err;
  }
}
