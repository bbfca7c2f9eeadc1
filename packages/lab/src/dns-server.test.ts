// The lab's authoritative servers, queried over UDP and TCP and checked with @kto/core (decode and
// RRSIG verification), dig, and ldns-verify-zone on an AXFR of the signed zones.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RCODE, RRTYPE, compareNames, decodeMessage, decodeNsec, decodeRrsig, encodeQuery, rrsetFromMessage,
} from '@kto/core';
import type { DnsMessage, DnsRecord } from '@kto/core';
import { findRrsigSigners } from '@kto/core/node';
import { labQuery } from './dns-client.js';
import { LabDnsServer } from './dns-server.js';
import type { Scenario } from './scenario/types.js';
import { startLab } from './world.js';
import type { RunningLab } from './world.js';

const run = promisify(execFile);
const BASE = '127.62';

// a signed zone with a DNSKEY RRset too large for 1232 octets (four RSA-2048 keys), and an
// insecure sibling (no DS at the parent)
const bigKeys: Scenario = {
  name: 'test-big-keys', kind: 'conformant', procedure: 'ksk-double-ksk', description: 'four RSA keys', references: [],
  label: 'big', ttl: { dnskey: 60, zone: 60, ds: 60 }, parent: { mode: 'registration', delay: 10 },
  keys: [
    { id: 'K1', role: 'KSK', algorithm: 8 }, { id: 'K2', role: 'KSK', algorithm: 8 },
    { id: 'Z1', role: 'ZSK', algorithm: 8 }, { id: 'Z2', role: 'ZSK', algorithm: 8, bits: 1024 },
  ],
  initial: { published: ['K1', 'K2', 'Z1', 'Z2'], signing: [{ key: 'K1' }, { key: 'Z1' }], ds: ['K1'] },
  steps: [], duration: 1000, expectedFindings: [],
};
const insecure: Scenario = {
  name: 'test-insecure', kind: 'conformant', procedure: 'unknown', description: 'no DS at the parent', references: [],
  label: 'insecure', ttl: { dnskey: 60, zone: 60, ds: 60 }, parent: { mode: 'registration', delay: 10 },
  providers: [{ id: 'A', servers: 2 }],
  keys: [{ id: 'C1', role: 'CSK', algorithm: 15 }],
  initial: { published: ['C1'], signing: [{ key: 'C1' }], ds: [] },
  steps: [], duration: 1000, expectedFindings: [],
};

let lab: RunningLab;
let dir: string;
const zoneAddress = (scenario: string): string => lab.servers.find((s) => s.scenario === scenario)?.address as string;
const tldAddress = (): string => lab.servers.find((s) => s.role === 'tld')?.address as string;

beforeAll(async () => {
  lab = await startLab({ scenarios: [bigKeys, insecure], speed: 1, base: BASE, resolvers: [] });
  dir = await mkdtemp(join(tmpdir(), 'kto-lab-server-test-'));
});

afterAll(async () => {
  await lab?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const ofType = (records: readonly DnsRecord[], type: number): DnsRecord[] => records.filter((r) => r.type === type);

/** Every RRSIG in `records` over RRsets of the message verifies with the zone's DNSKEYs, now. */
async function assertSignaturesValid(msg: DnsMessage, records: readonly DnsRecord[], zone: string, server: string): Promise<number> {
  const keys = await labQuery(server, zone, 'DNSKEY', { rd: false, transport: 'tcp' });
  const dnskeys = ofType(keys.message.answer, RRTYPE.DNSKEY).map((r) => r.rdata.slice());
  const now = Math.floor(Date.now() / 1000);
  let checked = 0;
  const groups = new Map<string, DnsRecord[]>();
  for (const r of records) {
    if (r.type === RRTYPE.RRSIG || r.type === RRTYPE.OPT) continue;
    const k = `${r.name}/${r.type}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const [k, rrset] of groups) {
    const first = rrset[0] as DnsRecord;
    const sigs = records.filter((r) => r.type === RRTYPE.RRSIG && r.name === first.name && decodeRrsig(msg.bytes, r.rdataOffset, r.rdataLength).typeCovered === first.type);
    if (first.type === RRTYPE.NS && !msg.header.aa) continue; // a referral's NS RRset is not signed
    if (first.type === RRTYPE.A && !msg.header.aa) continue; // glue
    expect(sigs.length, `RRSIGs over ${k}`).toBeGreaterThan(0);
    const verdicts = findRrsigSigners({
      rrset: rrsetFromMessage(msg, rrset), rrsigs: sigs.map((s) => s.rdata.slice()), dnskeys, keyOwner: zone, now,
    });
    for (const v of verdicts) expect(v.status, `${k}: ${v.reason ?? ''}`).toBe('valid');
    checked += verdicts.length;
  }
  return checked;
}

describe('answers (checked with @kto/core)', () => {
  it('answers the apex SOA with AA and a valid RRSIG, and echoes the question case', async () => {
    const server = zoneAddress('test-big-keys');
    const r = await labQuery(server, 'big.lab.', 'SOA', { rd: false });
    expect(r.message.header).toMatchObject({ qr: true, aa: true, tc: false, rcode: RCODE.NOERROR });
    expect(ofType(r.message.answer, RRTYPE.SOA)).toHaveLength(1);
    expect(await assertSignaturesValid(r.message, r.message.answer, 'big.lab.', server)).toBe(1);
    expect(r.message.edns).toMatchObject({ udpSize: 1232, dnssecOk: true });
    // the question comes back as the client wrote it (0x20 mixed case)
    const srv = new LabDnsServer({ address: '127.0.0.1', port: 0, zones: [{ apex: 'big.lab.', current: () => lab.currentZone('test-big-keys', 'A') }] });
    const query = encodeQuery({ id: 99, name: 'big.lab.', type: 'SOA' });
    query.set(Buffer.from('BiG', 'latin1'), 13);
    const reply = srv.handle(query, 'udp') as Uint8Array;
    expect(Buffer.from(reply.subarray(13, 16)).toString('latin1')).toBe('BiG');
    expect(decodeMessage(reply).header).toMatchObject({ id: 99, aa: true, rcode: RCODE.NOERROR });
  });

  it('omits RRSIGs when DO=0', async () => {
    const r = await labQuery(zoneAddress('test-big-keys'), 'big.lab.', 'SOA', { rd: false, dnssecOk: false });
    expect(ofType(r.message.answer, RRTYPE.RRSIG)).toHaveLength(0);
    expect(r.message.edns?.dnssecOk).toBe(false);
  });

  it('sets TC over UDP when the DNSKEY answer exceeds the 1232-octet limit, and gives it whole over TCP', async () => {
    const server = zoneAddress('test-big-keys');
    const udp = await labQuery(server, 'big.lab.', 'DNSKEY', { rd: false, udpSize: 4096, tcpOnTruncation: false });
    expect(udp.message.header.tc).toBe(true);
    expect(udp.message.answer).toHaveLength(0);
    const tcp = await labQuery(server, 'big.lab.', 'DNSKEY', { rd: false, transport: 'tcp' });
    expect(tcp.message.header.tc).toBe(false);
    expect(tcp.message.bytes.length).toBeGreaterThan(1232);
    expect(ofType(tcp.message.answer, RRTYPE.DNSKEY)).toHaveLength(4);
    // signed by K1 only (the KSK), and that signature is valid
    expect(await assertSignaturesValid(tcp.message, tcp.message.answer, 'big.lab.', server)).toBe(1);
  });

  it('proves NXDOMAIN with the NSEC covering the name and the one covering the wildcard', async () => {
    const server = zoneAddress('test-big-keys');
    const r = await labQuery(server, 'nope.big.lab.', 'A', { rd: false });
    expect(r.message.header).toMatchObject({ aa: true, rcode: RCODE.NXDOMAIN });
    const nsecs = ofType(r.message.authority, RRTYPE.NSEC).map((n) => ({ owner: n.name, ...decodeNsec(r.message.bytes, n.rdataOffset, n.rdataLength) }));
    const covers = (name: string): boolean => nsecs.some((n) => compareNames(n.owner, name) < 0
      && (compareNames(name, n.next) < 0 || compareNames(n.next, 'big.lab.') === 0));
    expect(covers('nope.big.lab.')).toBe(true);
    expect(covers('*.big.lab.')).toBe(true);
    expect(ofType(r.message.authority, RRTYPE.SOA)).toHaveLength(1);
    expect(await assertSignaturesValid(r.message, r.message.authority, 'big.lab.', server)).toBeGreaterThanOrEqual(2);
  });

  it('proves NODATA with the name\'s own NSEC, whose bitmap lacks the type', async () => {
    const server = zoneAddress('test-big-keys');
    const r = await labQuery(server, 'big.lab.', 'TXT', { rd: false });
    expect(r.message.header).toMatchObject({ aa: true, rcode: RCODE.NOERROR });
    expect(r.message.answer).toHaveLength(0);
    const nsec = ofType(r.message.authority, RRTYPE.NSEC)[0] as DnsRecord;
    expect(nsec.name).toBe('big.lab.');
    const types = decodeNsec(r.message.bytes, nsec.rdataOffset, nsec.rdataLength).types;
    expect(types).toEqual(expect.arrayContaining([RRTYPE.SOA, RRTYPE.NS, RRTYPE.DNSKEY, RRTYPE.RRSIG, RRTYPE.NSEC]));
    expect(types).not.toContain(RRTYPE.TXT);
    await assertSignaturesValid(r.message, r.message.authority, 'big.lab.', server);
  });

  it('refers from the TLD with NS, a signed DS and glue; an insecure delegation gets the NSEC that proves no DS', async () => {
    const secure = await labQuery(tldAddress(), 'www.big.lab.', 'A', { rd: false });
    expect(secure.message.header).toMatchObject({ aa: false, rcode: RCODE.NOERROR });
    expect(secure.message.answer).toHaveLength(0);
    expect(ofType(secure.message.authority, RRTYPE.NS).map((r) => r.name)).toEqual(['big.lab.']);
    expect(ofType(secure.message.authority, RRTYPE.DS)).toHaveLength(1);
    expect(ofType(secure.message.additional, RRTYPE.A).map((r) => r.name)).toEqual(['ns-a1.big.lab.']);
    await assertSignaturesValid(secure.message, secure.message.authority, 'lab.', tldAddress());

    const plain = await labQuery(tldAddress(), 'insecure.lab.', 'SOA', { rd: false });
    expect(plain.message.header.aa).toBe(false);
    expect(ofType(plain.message.authority, RRTYPE.DS)).toHaveLength(0);
    const nsec = ofType(plain.message.authority, RRTYPE.NSEC)[0] as DnsRecord;
    expect(nsec.name).toBe('insecure.lab.');
    const types = decodeNsec(plain.message.bytes, nsec.rdataOffset, nsec.rdataLength).types;
    expect(types).toContain(RRTYPE.NS);
    expect(types).not.toContain(RRTYPE.DS);
    expect(ofType(plain.message.additional, RRTYPE.A)).toHaveLength(2); // two servers of provider A
    await assertSignaturesValid(plain.message, plain.message.authority, 'lab.', tldAddress());
  });

  it('answers a DS query at the cut from the parent side, authoritatively', async () => {
    const r = await labQuery(tldAddress(), 'big.lab.', 'DS', { rd: false });
    expect(r.message.header).toMatchObject({ aa: true, rcode: RCODE.NOERROR });
    expect(ofType(r.message.answer, RRTYPE.DS)).toHaveLength(1);
    await assertSignaturesValid(r.message, r.message.answer, 'lab.', tldAddress());
  });

  it('refuses names outside its zones and classes other than IN', async () => {
    const other = await labQuery(zoneAddress('test-big-keys'), 'example.com.', 'A', { rd: false });
    expect(other.message.header.rcode).toBe(RCODE.REFUSED);
    const srv = new LabDnsServer({ address: '127.0.0.1', port: 0, zones: [] });
    const chaos = srv.handle(encodeQuery({ id: 7, name: 'big.lab.', type: 'SOA', klass: 3 }), 'udp');
    expect(decodeMessage(chaos as Uint8Array).header).toMatchObject({ id: 7, qr: true, rcode: RCODE.REFUSED });
    expect(srv.handle(Uint8Array.of(1, 2, 3), 'udp')).toBeNull();
    const junk = srv.handle(Uint8Array.of(0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63), 'udp');
    expect(decodeMessage(junk as Uint8Array).header).toMatchObject({ id: 9, rcode: RCODE.FORMERR });
  });

  it('refuses an address outside 127.0.0.0/8 and reports a port in use', async () => {
    expect(() => new LabDnsServer({ address: '10.0.0.1', zones: [] })).toThrow(expect.objectContaining({ code: 'KTO_ERR_LAB_BAD_ADDRESS' }));
    const dup = new LabDnsServer({ address: zoneAddress('test-big-keys'), port: 53, zones: [] });
    await expect(dup.start()).rejects.toMatchObject({ code: 'KTO_ERR_LAB_ADDRESS_IN_USE' });
  });
});

describe('cross-checks with dig and ldns', () => {
  it('dig reads the answers over UDP and TCP', async () => {
    const server = zoneAddress('test-big-keys');
    const udp = await run('dig', [`@${server}`, 'big.lab.', 'SOA', '+dnssec', '+norec', '+tries=1', '+time=2']);
    expect(udp.stdout).toMatch(/status: NOERROR/);
    expect(udp.stdout).toMatch(/flags: qr aa;/);
    expect(udp.stdout).toMatch(/RRSIG\s+SOA 8 2 60 /);
    // dig retries over TCP on TC
    const keys = await run('dig', [`@${server}`, 'big.lab.', 'DNSKEY', '+dnssec', '+norec', '+tries=1', '+time=2', '+bufsize=1232']);
    expect(keys.stdout).toMatch(/Truncated, retrying in TCP mode/);
    expect(keys.stdout.match(/\tDNSKEY\t/g)).toHaveLength(4);
  });

  it('ldns-verify-zone accepts an AXFR of every zone: signatures, NSEC chain, delegations', async () => {
    for (const zone of ['big.lab.', 'insecure.lab.', 'lab.', '.']) {
      const server = zone === '.' ? lab.servers.find((s) => s.role === 'root')?.address : zone === 'lab.' ? tldAddress()
        : lab.servers.find((s) => s.zone === zone)?.address;
      const axfr = await run('dig', [`@${server}`, zone, 'AXFR', '+nocmd', '+nostats', '+onesoa']);
      expect(axfr.stdout).toMatch(/\sNSEC\s/);
      const file = join(dir, `${zone === '.' ? 'root' : zone}zone`);
      await writeFile(file, axfr.stdout);
      // ldns-verify-zone exits 0 even on bogus signatures; its verdict is in the output
      const verify = await run('ldns-verify-zone', ['-V', '3', file]);
      expect(`${verify.stdout}${verify.stderr}`, zone).toMatch(/Zone is verified and complete/);
      expect(`${verify.stdout}${verify.stderr}`, zone).not.toMatch(/error|bogus/i);
    }
  });
});

describe('speed', () => {
  it('answers from precomputed wire answers without re-signing', () => {
    const srv = new LabDnsServer({ address: '127.0.0.1', port: 0, zones: [{ apex: 'big.lab.', current: () => lab.currentZone('test-big-keys', 'A') }] });
    const queries = ['big.lab./SOA', 'big.lab./DNSKEY', 'nope.big.lab./A', 'ns-a1.big.lab./A'].map((q) => {
      const [name, type] = q.split('/') as [string, string];
      return encodeQuery({ id: 1, name, type, udpSize: 1232 });
    });
    const n = 20_000;
    const started = performance.now();
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += (srv.handle(queries[i & 3] as Uint8Array, 'udp') as Uint8Array).length;
    const perSecond = Math.round(n / ((performance.now() - started) / 1000));
    console.log(`lab server: ${perSecond} answers/s in process (${Math.round(bytes / n)} octets average)`);
    expect(perSecond).toBeGreaterThan(5000);
  });
});
