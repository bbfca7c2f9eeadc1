// The signed DNS world of the integration tests (test/support/dns-world.ts), checked from outside:
// what its Unbound resolvers and Knot servers really answer, against what the world says it built.
// Key tags and DS digests are recomputed here from the DNSKEY RDATA (RFC 4034 Appendix B, §5.1.4),
// with helpers that are first checked against the IANA root KSKs in ../shared/real-data.

import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Answer, DecodedPacket } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDns, startDnsWorld } from './support/dns-world.js';
import type { DnsQueryOptions, DnsReply, DnsWorld, WorldDs, WorldServer, WorldZone } from './support/dns-world.js';
import { findBinary, isPidAlive } from './support/processes.js';

const realData = resolve(import.meta.dirname, '..', '..', 'shared', 'real-data');

const TYPE = { A: 1, NS: 2, SOA: 6, AAAA: 28, DS: 43, DNSKEY: 48, CDS: 59, CDNSKEY: 60, CSYNC: 62 } as const;
const EDE_OPTION = 15; // RFC 8914

// ---- independent DNSSEC arithmetic ----------------------------------------------------------

/** RFC 4034 Appendix B (algorithms other than 1). */
function keyTag(rdata: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

function dnskeyRdata(flags: number, algorithm: number, publicKey: Uint8Array): Buffer {
  const head = Buffer.from([flags >> 8, flags & 0xff, 3, algorithm]);
  return Buffer.concat([head, publicKey]);
}

function nameWire(name: string): Buffer {
  const labels = name === '.' ? [] : name.toLowerCase().replace(/\.$/, '').split('.');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** RFC 4509 §2.1: SHA-256 over the owner name (canonical wire form) and the DNSKEY RDATA. */
function dsSha256Hex(owner: string, rdata: Uint8Array): string {
  return createHash('sha256').update(nameWire(owner)).update(rdata).digest('hex').toUpperCase();
}

function decodeDsLike(raw: Buffer): WorldDs {
  return { keyTag: raw.readUInt16BE(0), algorithm: raw[2]!, digestType: raw[3]!, digestHex: raw.subarray(4).toString('hex').toUpperCase() };
}

/** RFC 7477 §2.1.1 CSYNC RDATA: SOA serial, flags, type bitmap (RFC 4034 §4.1.2). */
function decodeCsync(raw: Buffer): { serial: number; flags: number; types: number[] } {
  const types: number[] = [];
  for (let off = 6; off + 2 <= raw.length;) {
    const window = raw[off]!;
    const length = raw[off + 1]!;
    for (let i = 0; i < length; i++) {
      const byte = raw[off + 2 + i]!;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    }
    off += 2 + length;
  }
  return { serial: raw.readUInt32BE(0), flags: raw.readUInt16BE(4), types };
}

// ---- helpers ---------------------------------------------------------------------------------

const answersOf = (m: DecodedPacket): Answer[] => m.answers ?? [];

/** UDP with a 1232-octet EDNS buffer; over TCP if the reply is truncated (what a stub does). */
async function query(server: WorldServer, name: string, type: number, opts: DnsQueryOptions = {}): Promise<DnsReply> {
  const udp = await queryDns(server, name, type, { udpPayloadSize: 1232, ...opts, transport: 'udp' });
  return udp.message.flag_tc ? queryDns(server, name, type, { ...opts, transport: 'tcp' }) : udp;
}

/** RDATA of the answers of a type dns-packet leaves undecoded (CDS, CDNSKEY; CSYNC is 'UNKNOWN_62'). */
function rawRdata(m: DecodedPacket, type: string): Buffer[] {
  const out: Buffer[] = [];
  for (const a of answersOf(m) as { type: string; data?: unknown }[]) if (a.type === type && Buffer.isBuffer(a.data)) out.push(a.data);
  return out;
}

function rrsigTags(m: DecodedPacket, covered: string, section: Answer[] = answersOf(m)): number[] {
  const tags: number[] = [];
  for (const a of section) if (a.type === 'RRSIG' && a.data.typeCovered === covered) tags.push(a.data.keyTag);
  return tags.sort((x, y) => x - y);
}

function edeCodes(m: DecodedPacket): number[] {
  const codes: number[] = [];
  for (const a of m.additionals ?? []) {
    if (a.type !== 'OPT') continue;
    for (const o of a.options) {
      const data = (o as { code: number; data?: Buffer }).data;
      if ((o.code as number) === EDE_OPTION && data !== undefined && data.length >= 2) codes.push(data.readUInt16BE(0));
    }
  }
  return codes;
}

function tagsOf(zone: WorldZone, roles: readonly string[]): number[] {
  return zone.keys.filter((k) => k.signing && roles.includes(k.role)).map((k) => k.keyTag).sort((x, y) => x - y);
}

async function udpPortFree(address: string): Promise<boolean> {
  return new Promise((res) => {
    const sock = createSocket('udp4');
    sock.once('error', () => { sock.close(); res(false); });
    sock.bind(53, address, () => sock.close(() => res(true)));
  });
}

/** PIDs of processes whose command line mentions `text` (the world's configs live under its dir). */
async function pidsMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

// ---- the helpers against real data -------------------------------------------------------------

describe('test helpers (checked against real data)', () => {
  it('recompute the key tags and SHA-256 DS digests of the IANA root KSKs', async () => {
    const zone = await readFile(join(realData, 'trust-anchors', 'root-ksk-dnskeys.zone'), 'utf8');
    const xml = await readFile(join(realData, 'trust-anchors', 'root-anchors-2024.xml'), 'utf8');
    const anchors = [...xml.matchAll(/<KeyTag>(\d+)<\/KeyTag>\s*<Algorithm>(\d+)<\/Algorithm>\s*<DigestType>2<\/DigestType>\s*<Digest>([0-9A-F]+)<\/Digest>/g)]
      .map((m) => ({ keyTag: Number(m[1]), algorithm: Number(m[2]), digestHex: m[3]! }));
    expect(anchors.map((a) => a.keyTag)).toEqual([19036, 20326, 38696]);
    const computed = [...zone.matchAll(/^\.\s+\d+\s+IN\s+DNSKEY\s+257\s+3\s+(\d+)\s+(\S+)$/gm)].map((m) => {
      const rdata = dnskeyRdata(257, Number(m[1]), Buffer.from(m[2]!, 'base64'));
      return { keyTag: keyTag(rdata), algorithm: Number(m[1]), digestHex: dsSha256Hex('.', rdata) };
    });
    expect(computed).toEqual(anchors);
  });
});

// ---- the world ----------------------------------------------------------------------------------

const SUBNET = '127.53';
const LEAVES = ['alpha.kto-test.', 'beta.kto-test.', 'gamma.kto-test.'] as const;
const BOGUS = ['broken.kto-test.', 'expired.kto-test.'] as const;
const CAP_TTL = 20;

describe('startDnsWorld', () => {
  let world: DnsWorld;
  const zone = (name: string): WorldZone => {
    const z = world.zones.find((x) => x.name === name);
    if (z === undefined) throw new Error(`the world has no zone ${name}`);
    return z;
  };

  beforeAll(async () => {
    world = await startDnsWorld({ subnet: SUBNET, resolvers: [{}, { label: 'capped', options: { 'cache-max-ttl': CAP_TTL } }] });
    console.info(`DNS world on ${SUBNET}: ${world.authoritatives.length} knotd + ${world.resolvers.length} unbound started in ${world.startupMs} ms`);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('describes the hierarchy and keys the brief asks for', () => {
    expect(world.zones.map((z) => z.name)).toEqual(['.', 'kto-test.', ...LEAVES, ...BOGUS]);
    expect(world.resolvers.map((r) => [r.label, r.address, r.port])).toEqual([['unbound-1', '127.53.1.1', 53], ['capped', '127.53.1.2', 53]]);
    expect(world.authoritatives.map((a) => [a.zone, a.address])).toEqual([
      ['.', '127.53.0.1'], ['kto-test.', '127.53.0.2'], ['alpha.kto-test.', '127.53.0.3'], ['beta.kto-test.', '127.53.0.4'],
      ['gamma.kto-test.', '127.53.0.5'], ['broken.kto-test.', '127.53.0.6'], ['expired.kto-test.', '127.53.0.7'],
    ]);
    const shape = (name: string): string[] => zone(name).keys.map((k) => `${k.role}/${k.algorithm}/${k.flags}/${k.signing ? 'signing' : 'published'}`);
    expect(shape('alpha.kto-test.')).toEqual(['KSK/13/257/signing', 'ZSK/13/256/signing']);
    expect(shape('beta.kto-test.')).toEqual(['KSK/8/257/signing', 'ZSK/8/256/signing', 'ZSK/8/256/published', 'KSK/8/257/published']);
    expect(shape('gamma.kto-test.')).toEqual(['CSK/15/257/signing']);
    expect(zone('gamma.kto-test.').denial).toBe('NSEC3');
    for (const z of world.zones) {
      expect(z.validation).toBe(BOGUS.includes(z.name as (typeof BOGUS)[number]) ? 'bogus' : 'secure');
      expect(z.ds.length).toBe(1);
      // the world's key tags and DS digests, recomputed here from the public keys it reports
      const dsMatches = z.keys.filter((k) => {
        const rdata = dnskeyRdata(k.flags, k.algorithm, Buffer.from(k.publicKeyBase64, 'base64'));
        expect(keyTag(rdata)).toBe(k.keyTag);
        return z.ds[0]!.digestType === 2 && z.ds[0]!.keyTag === k.keyTag && dsSha256Hex(z.name, rdata) === z.ds[0]!.digestHex;
      });
      expect(dsMatches.length).toBe(z.name === 'broken.kto-test.' ? 0 : 1);
    }
    const rootDs = zone('.').ds[0]!;
    expect(world.trustAnchor).toBe(`. IN DS ${rootDs.keyTag} ${rootDs.algorithm} 2 ${rootDs.digestHex}`);
  });

  it('serves every zone from its own authoritative server over UDP and TCP', async () => {
    for (const auth of world.authoritatives) {
      for (const transport of ['udp', 'tcp'] as const) {
        const { message, rcode } = await queryDns(auth, auth.zone, TYPE.SOA, { transport, recursionDesired: false });
        expect(rcode).toBe('NOERROR');
        expect(message.flag_aa).toBe(true);
        const soa = answersOf(message).find((a) => a.type === 'SOA');
        expect(soa?.type === 'SOA' && soa.data.serial).toBe(zone(auth.zone).serial);
        expect(rrsigTags(message, 'SOA')).toEqual(tagsOf(zone(auth.zone), ['ZSK', 'CSK']));
      }
    }
  });

  it('delegates with NS, glue and the DS records it reports', async () => {
    const byZone = new Map(world.authoritatives.map((a) => [a.zone, a]));
    const delegations: [string, string][] = [['.', 'kto-test.'], ...[...LEAVES, ...BOGUS].map((l): [string, string] => ['kto-test.', l])];
    for (const [parent, child] of delegations) {
      const { message, rcode } = await queryDns(byZone.get(parent)!, `www.${child}`, TYPE.A, { recursionDesired: false });
      expect([rcode, message.flag_aa]).toEqual(['NOERROR', false]); // a referral
      const authority = message.authorities ?? [];
      const ns = authority.flatMap((a) => (a.type === 'NS' && a.name === child.replace(/\.$/, '') ? [a.data] : []));
      expect(ns).toEqual([`ns1.${child.replace(/\.$/, '')}`]);
      const glue = (message.additionals ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
      expect(glue).toEqual([byZone.get(child)!.address]);
      const ds = authority.flatMap((a) => (a.type === 'DS' ? [{ keyTag: a.data.keyTag, algorithm: a.data.algorithm, digestType: a.data.digestType, digestHex: a.data.digest.toString('hex').toUpperCase() }] : []));
      expect(ds).toEqual(zone(child).ds);
    }
  });

  describe.each([0, 1])('through resolver #%i', (index) => {
    const resolver = (): WorldServer => world.resolvers[index]!;

    it.each(LEAVES)('validates DNSKEY, SOA, DS, CDS, CDNSKEY and CSYNC of %s (AD=1)', async (name) => {
      const z = zone(name);
      const tld = zone('kto-test.');
      const ksk = z.keys.find((k) => k.role !== 'ZSK' && k.signing)!;
      const kskRdata = dnskeyRdata(ksk.flags, ksk.algorithm, Buffer.from(ksk.publicKeyBase64, 'base64'));
      const replies = new Map<number, DecodedPacket>();
      for (const type of [TYPE.DNSKEY, TYPE.SOA, TYPE.DS, TYPE.CDS, TYPE.CDNSKEY, TYPE.CSYNC]) {
        const { message, rcode } = await query(resolver(), name, type);
        expect([type, rcode, message.flag_ad]).toEqual([type, 'NOERROR', true]);
        replies.set(type, message);
      }

      // DNSKEY: the key tags computed here from the RDATA are the world's; signed by the KSK/CSK
      const dnskey = replies.get(TYPE.DNSKEY)!;
      const served = answersOf(dnskey).flatMap((a) => (a.type === 'DNSKEY' ? [a.data] : []));
      const servedKeys = served.map((d) => ({ keyTag: keyTag(dnskeyRdata(d.flags, d.algorithm, d.key)), algorithm: d.algorithm, flags: d.flags, publicKeyBase64: d.key.toString('base64') }));
      const byTag = (a: { keyTag: number }, b: { keyTag: number }): number => a.keyTag - b.keyTag;
      expect(servedKeys.sort(byTag)).toEqual(z.keys.map(({ keyTag: t, algorithm, flags, publicKeyBase64 }) => ({ keyTag: t, algorithm, flags, publicKeyBase64 })).sort(byTag));
      expect(rrsigTags(dnskey, 'DNSKEY')).toEqual(tagsOf(z, ['KSK', 'CSK']));

      const soa = answersOf(replies.get(TYPE.SOA)!).find((a) => a.type === 'SOA');
      expect(soa?.type === 'SOA' && soa.data.serial).toBe(z.serial);
      expect(rrsigTags(replies.get(TYPE.SOA)!, 'SOA')).toEqual(tagsOf(z, ['ZSK', 'CSK']));

      // DS from the TLD: the world's, and a SHA-256 digest of the KSK/CSK computed here; signed by the TLD's ZSK
      const ds = answersOf(replies.get(TYPE.DS)!).flatMap((a) => (a.type === 'DS' ? [a.data] : []));
      expect(ds.map((d) => ({ keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digestHex: d.digest.toString('hex').toUpperCase() }))).toEqual(z.ds);
      expect(ds.map((d) => d.digest.toString('hex').toUpperCase())).toEqual([dsSha256Hex(name, kskRdata)]);
      expect(rrsigTags(replies.get(TYPE.DS)!, 'DS')).toEqual(tagsOf(tld, ['ZSK']));

      const cds = rawRdata(replies.get(TYPE.CDS)!, 'CDS').map(decodeDsLike);
      const cdnskey = rawRdata(replies.get(TYPE.CDNSKEY)!, 'CDNSKEY');
      const csync = rawRdata(replies.get(TYPE.CSYNC)!, 'UNKNOWN_62').map(decodeCsync);
      if (name === 'beta.kto-test.') {
        // CDS and CDNSKEY publish the KSK that the parent's DS already holds; CSYNC names A, NS, AAAA
        expect(cds).toEqual(z.ds);
        expect(cdnskey.map((d) => Buffer.compare(d, kskRdata))).toEqual([0]);
        expect(rrsigTags(replies.get(TYPE.CDS)!, 'CDS')).toEqual(tagsOf(z, ['KSK']));
        expect(rrsigTags(replies.get(TYPE.CDNSKEY)!, 'CDNSKEY')).toEqual(tagsOf(z, ['KSK']));
        expect(csync).toEqual([{ serial: z.serial, flags: 3, types: [TYPE.A, TYPE.NS, TYPE.AAAA] }]);
        expect(rrsigTags(replies.get(TYPE.CSYNC)!, 'UNKNOWN_62')).toEqual(tagsOf(z, ['ZSK']));
      } else {
        // a validated NODATA: nothing of the type, a signed SOA in the authority section
        expect([cds.length, cdnskey.length, csync.length]).toEqual([0, 0, 0]);
        for (const type of [TYPE.CDS, TYPE.CDNSKEY, TYPE.CSYNC]) {
          const m = replies.get(type)!;
          expect((m.authorities ?? []).some((a) => a.type === 'SOA')).toBe(true);
          expect(rrsigTags(m, 'SOA', m.authorities ?? [])).toEqual(tagsOf(z, ['ZSK', 'CSK']));
        }
      }
    });

    it('truncates the DNSKEY answer of beta at 1232 octets over UDP and completes it over TCP', async () => {
      const udp = await queryDns(resolver(), 'beta.kto-test.', TYPE.DNSKEY, { transport: 'udp', udpPayloadSize: 1232 });
      expect(udp.message.flag_tc).toBe(true);
      expect(udp.bytes.length).toBeLessThanOrEqual(1232);
      const tcp = await queryDns(resolver(), 'beta.kto-test.', TYPE.DNSKEY, { transport: 'tcp', udpPayloadSize: 1232 });
      expect([tcp.message.flag_tc, tcp.rcode, tcp.message.flag_ad]).toEqual([false, 'NOERROR', true]);
      expect(tcp.bytes.length).toBeGreaterThan(1232);
      const tags = answersOf(tcp.message).flatMap((a) => (a.type === 'DNSKEY' ? [keyTag(dnskeyRdata(a.data.flags, a.data.algorithm, a.data.key))] : []));
      expect(tags.sort((x, y) => x - y)).toEqual(zone('beta.kto-test.').keys.map((k) => k.keyTag).sort((x, y) => x - y));
    });

    it.each(BOGUS)('answers SERVFAIL for the bogus zone %s, and the data with CD=1', async (name) => {
      const bogus = await query(resolver(), name, TYPE.SOA);
      expect(bogus.rcode).toBe('SERVFAIL');
      expect(answersOf(bogus.message)).toEqual([]);
      // RFC 8914: 9 DNSKEY Missing (no key matches the DS) or 7 Signature Expired when Unbound
      // validates; 6 DNSSEC Bogus when it answers from the bogus entry that validation left in its cache
      expect([[name === 'broken.kto-test.' ? 9 : 7], [6]]).toContainEqual(edeCodes(bogus.message));
      const unchecked = await query(resolver(), name, TYPE.SOA, { checkingDisabled: true });
      expect([unchecked.rcode, unchecked.message.flag_ad]).toEqual(['NOERROR', false]);
      const soa = answersOf(unchecked.message).find((a) => a.type === 'SOA');
      expect(soa?.type === 'SOA' && soa.data.serial).toBe(zone(name).serial);
    });
  });

  it('applies per-resolver Unbound options (cache-max-ttl caps the TTL one resolver serves)', async () => {
    const [plain, capped] = world.resolvers;
    const ttl = async (r: WorldServer): Promise<number> => {
      const { message, rcode } = await query(r, 'www.gamma.kto-test.', TYPE.A);
      expect([rcode, message.flag_ad]).toEqual(['NOERROR', true]);
      const a = answersOf(message).find((x) => x.type === 'A');
      return a?.type === 'A' ? a.ttl ?? -1 : -1;
    };
    expect(await ttl(capped!)).toBeLessThanOrEqual(CAP_TTL);
    expect(await ttl(plain!)).toBeGreaterThan(CAP_TTL);
  });

  it('answers large DNSKEY sets directly over UDP when the client buffer allows, else truncates', async () => {
    const beta = world.authoritatives.find((a) => a.zone === 'beta.kto-test.')!;
    const small = await queryDns(beta, 'beta.kto-test.', TYPE.DNSKEY, { udpPayloadSize: 1232, recursionDesired: false });
    expect(small.message.flag_tc).toBe(true);
    const large = await queryDns(beta, 'beta.kto-test.', TYPE.DNSKEY, { udpPayloadSize: 4096, recursionDesired: false });
    expect([large.message.flag_tc, large.message.flag_aa]).toEqual([false, true]);
    expect(large.bytes.length).toBeGreaterThan(1232);
  });

  it('refuses a second world on the same subnet without disturbing the first', async () => {
    await expect(startDnsWorld({ subnet: SUBNET, resolvers: 1 })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_ADDRESS_IN_USE' });
    for (const p of [...world.authoritatives, ...world.resolvers]) expect(isPidAlive(p.pid)).toBe(true);
    const { message, rcode } = await query(world.resolvers[0]!, 'alpha.kto-test.', TYPE.SOA);
    expect([rcode, message.flag_ad]).toEqual(['NOERROR', true]);
  });

  it('runs beside a second world on another subnet, each with its own keys and trust anchor', async () => {
    const other = await startDnsWorld({ subnet: '127.54', resolvers: 1 });
    try {
      expect(other.trustAnchor).not.toBe(world.trustAnchor);
      const tags = async (w: DnsWorld): Promise<number[]> => {
        const { message, rcode } = await query(w.resolvers[0]!, 'alpha.kto-test.', TYPE.DNSKEY);
        expect([rcode, message.flag_ad]).toEqual(['NOERROR', true]);
        return answersOf(message).flatMap((a) => (a.type === 'DNSKEY' ? [keyTag(dnskeyRdata(a.data.flags, a.data.algorithm, a.data.key))] : [])).sort((x, y) => x - y);
      };
      const alpha = (w: DnsWorld): number[] => w.zones.find((z) => z.name === 'alpha.kto-test.')!.keys.map((k) => k.keyTag).sort((x, y) => x - y);
      expect(await tags(world)).toEqual(alpha(world));
      expect(await tags(other)).toEqual(alpha(other));
    } finally {
      await other.stop();
    }
  });

  it('stop() ends exactly the processes it started and removes its directory', async () => {
    const pids = [...world.authoritatives, ...world.resolvers].map((p) => p.pid);
    expect(new Set(pids).size).toBe(7 + 2);
    expect(pids.every(isPidAlive)).toBe(true);
    expect((await pidsMentioning(world.dir)).sort()).toEqual([...pids].sort());
    await world.stop();
    expect(pids.filter(isPidAlive)).toEqual([]);
    expect(await pidsMentioning(world.dir)).toEqual([]);
    expect(existsSync(world.dir)).toBe(false);
    for (const a of [...world.authoritatives, ...world.resolvers]) expect(await udpPortFree(a.address)).toBe(true);
    await world.stop(); // idempotent
  });
});

describe('startDnsWorld failures', () => {
  it('rejects a bad subnet, resolver count, Unbound option or directory before starting anything', async () => {
    await expect(startDnsWorld({ subnet: '10.53' })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    await expect(startDnsWorld({ subnet: '127.256' })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    await expect(startDnsWorld({ subnet: '127.54', resolvers: [{ options: { 'cache-min-ttl': '1\ninterface: 0.0.0.0' } }] }))
      .rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    await expect(startDnsWorld({ subnet: '127.54', resolvers: 0 })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    await expect(startDnsWorld({ subnet: '127.54', resolvers: 1.5 })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    // Knot's control socket path would not fit in a sockaddr_un
    const deep = join(tmpdir(), 'kto-no-such-dir-'.padEnd(80, 'x'));
    await expect(startDnsWorld({ subnet: '127.54', dir: deep })).rejects.toMatchObject({ code: 'KTO_ERR_WORLD_BAD_OPTION' });
    expect(existsSync(deep)).toBe(false);
  });

  it('names the Debian package of a missing program', async () => {
    await expect(findBinary('kto-no-such-program', 'kto-no-such-package')).rejects.toMatchObject({
      code: 'KTO_ERR_PROC_MISSING_BINARY',
      message: expect.stringContaining('apt-get install -y kto-no-such-package'),
    });
  });

  it('stops what it started and removes its directory when start-up fails half way', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'kto-dns-world-test-'));
    try {
      // Unbound rejects an unknown option and exits, after all seven knotd are up and answering
      const err = await startDnsWorld({ subnet: '127.54', dir: parent, resolvers: [{}, { options: { 'kto-no-such-option': 1 } }] })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'KTO_ERR_PROC_EXITED', message: expect.stringContaining('kto-no-such-option') });
      expect(await readdir(parent)).toEqual([]);
      expect(await pidsMentioning(parent)).toEqual([]);
      for (const octet of ['0.1', '0.7', '1.1', '1.2']) expect(await udpPortFree(`127.54.${octet}`)).toBe(true);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
