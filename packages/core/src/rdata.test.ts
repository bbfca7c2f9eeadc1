import dnsPacket from 'dns-packet';
import dnsPacketTypes from 'dns-packet/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import nsecVector from '../test-vectors/rfc4034-nsec-rdata.json' with { type: 'json' };
import csyncVector from '../test-vectors/rfc7477-csync.json' with { type: 'json' };
import { parseRealZone, readRealText } from '../test-support/real-data.js';
import { isKtoError } from './errors.js';
import { decodeMessage } from './message.js';
import { nameFromWire, normalizeName } from './names.js';
import {
  decodeCsync, decodeDnskey, decodeDs, decodeNs, decodeNsec, decodeRrsig, decodeSoa, decodeTypeBitmap, encodeCsync,
  encodeDnskey, encodeDs, encodeNs, encodeNsec, encodeRrsig, encodeSoa, encodeTypeBitmap, expandRdata,
} from './rdata.js';
import { hexDecode, hexEncode } from './text-encoding.js';
import { typeName } from './types.js';
import { parseZoneText } from './zone-text.js';

const ROOT_2023 = 'root-zone/root-zone-2023-05-11.zone.gz';

function malformedRdata(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isKtoError(err, 'KTO_ERR_CORE_MALFORMED_RDATA')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected KTO_ERR_CORE_MALFORMED_RDATA');
}

/** dns-packet's decoder for one RDATA (its codecs read a 2-octet RDLENGTH first). */
function packetDecode(type: string, rdata: Uint8Array): unknown {
  const buf = Buffer.alloc(rdata.length + 2);
  buf.writeUInt16BE(rdata.length, 0);
  buf.set(rdata, 2);
  return (dnsPacket as unknown as Record<string, { decode(b: Buffer, o: number): unknown }>)[type]?.decode(buf, 0);
}

/** dns-packet writes names without the trailing dot and the root as "." or "". */
function packetName(name: string): string {
  return normalizeName(name === '' ? '.' : name);
}

const hostname = fc.array(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { minLength: 0, maxLength: 4 })
  .map((labels) => (labels.length === 0 ? '.' : `${labels.join('.')}.`));
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Uint8Array.from(b));
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const typeSet = fc.uniqueArray(u16, { maxLength: 30 }).map((t) => t.sort((a, b) => a - b));

describe('RFC vectors', () => {
  it('RFC 4034 §4.3 NSEC: text -> wire equals the RFC octets, and decodes back', () => {
    const rdata = hexDecode(nsecVector.rdataHex) as Uint8Array;
    const parsed = parseZoneText(nsecVector.record).records[0];
    expect(hexEncode(parsed?.rdata ?? new Uint8Array())).toBe(nsecVector.rdataHex);
    const d = decodeNsec(rdata, 0, rdata.length);
    expect(d).toEqual({ next: nsecVector.next, types: nsecVector.types });
    expect(hexEncode(encodeNsec(d))).toBe(nsecVector.rdataHex);
  });

  it('RFC 7477 §2.2 CSYNC example', () => {
    const parsed = parseZoneText(csyncVector.record).records[0];
    expect(hexEncode(parsed?.rdata ?? new Uint8Array())).toBe(csyncVector.rdataHex);
    const rdata = hexDecode(csyncVector.rdataHex) as Uint8Array;
    const d = decodeCsync(rdata, 0, rdata.length);
    expect(d).toEqual({ serial: csyncVector.serial, flags: csyncVector.flags, types: csyncVector.types });
    expect(hexEncode(encodeCsync(d))).toBe(csyncVector.rdataHex);
  });
});

describe('decoders on real root-zone records, against dns-packet and by re-encoding', () => {
  const zone = parseRealZone(ROOT_2023);
  const pick = (type: number) => zone.records.filter((r) => r.type === type);

  it('DNSKEY', () => {
    for (const r of pick(48)) {
      const d = decodeDnskey(r.rdata, 0, r.rdata.length);
      const p = packetDecode('dnskey', r.rdata) as { flags: number; algorithm: number; key: Buffer };
      expect(d.flags).toBe(p.flags);
      expect(d.algorithm).toBe(p.algorithm);
      expect(d.protocol).toBe(3);
      expect(Buffer.from(d.publicKey).equals(p.key)).toBe(true);
      expect(encodeDnskey(d)).toEqual(r.rdata);
    }
  });

  it('DS (all of them)', () => {
    const ds = pick(43);
    expect(ds.length).toBeGreaterThan(1000);
    for (const r of ds) {
      const d = decodeDs(r.rdata, 0, r.rdata.length);
      const p = packetDecode('ds', r.rdata) as { keyTag: number; algorithm: number; digestType: number; digest: Buffer };
      expect([d.keyTag, d.algorithm, d.digestType]).toEqual([p.keyTag, p.algorithm, p.digestType]);
      expect(Buffer.from(d.digest).equals(p.digest)).toBe(true);
      expect(encodeDs(d)).toEqual(r.rdata);
    }
  });

  it('RRSIG (all of them)', () => {
    for (const r of pick(46)) {
      const d = decodeRrsig(r.rdata, 0, r.rdata.length);
      const p = packetDecode('rrsig', r.rdata) as {
        typeCovered: string; algorithm: number; labels: number; originalTTL: number; expiration: number;
        inception: number; keyTag: number; signersName: string; signature: Buffer;
      };
      expect(typeName(d.typeCovered)).toBe(p.typeCovered);
      expect([d.algorithm, d.labels, d.originalTtl, d.expiration, d.inception, d.keyTag])
        .toEqual([p.algorithm, p.labels, p.originalTTL, p.expiration, p.inception, p.keyTag]);
      expect(d.signer).toBe(packetName(p.signersName));
      expect(Buffer.from(d.signature).equals(p.signature)).toBe(true);
      expect(encodeRrsig(d)).toEqual(r.rdata);
    }
  });

  it('NSEC, SOA and NS', () => {
    for (const r of pick(47)) {
      const d = decodeNsec(r.rdata, 0, r.rdata.length);
      const p = packetDecode('nsec', r.rdata) as { nextDomain: string; rrtypes: string[] };
      expect(d.next).toBe(packetName(p.nextDomain));
      expect(d.types.map(typeName)).toEqual(p.rrtypes);
      expect(encodeNsec(d)).toEqual(r.rdata);
    }
    for (const r of pick(6)) {
      const d = decodeSoa(r.rdata, 0, r.rdata.length);
      expect(d).toMatchObject({ mname: 'a.root-servers.net.', rname: 'nstld.verisign-grs.com.', serial: 2023051100 });
      expect(encodeSoa(d)).toEqual(r.rdata);
    }
    for (const r of pick(2).slice(0, 2000)) {
      const d = decodeNs(r.rdata, 0, r.rdata.length);
      expect(d.host).toBe(nameFromWire(r.rdata));
      expect(encodeNs(d)).toEqual(r.rdata);
    }
  });
});

describe('names compressed inside RDATA (real RIPE Atlas responses)', () => {
  const messages = readRealText('ripe-atlas/sagan-test-dns-results.jsonl').split('\n').filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { result?: { abuf?: string } }).result?.abuf)
    .filter((a): a is string => a !== undefined)
    .map((a) => new Uint8Array(Buffer.from(a, 'base64')));

  it('decodeNs / decodeSoa follow pointers; expandRdata equals dns-packet\'s uncompressed encoding', () => {
    let compressedSeen = 0;
    for (const bytes of messages) {
      const m = decodeMessage(bytes);
      const p = dnsPacket.decode(Buffer.from(bytes));
      const ours = [...m.answer, ...m.authority];
      const theirs = [...(p.answers ?? []), ...(p.authorities ?? [])];
      ours.forEach((rr, i) => {
        const t = theirs[i] as dnsPacket.Answer & { data: unknown };
        if (rr.type === 2 || rr.type === 5 || rr.type === 15 || rr.type === 6) {
          const expanded = expandRdata(rr.type, bytes, rr.rdataOffset, rr.rdataLength, false);
          const codec = dnsPacket.record(t.type) as unknown as { encode(d: unknown): Buffer };
          expect(Buffer.from(expanded).equals(codec.encode(t.data).subarray(2))).toBe(true);
          if (expanded.length !== rr.rdataLength) compressedSeen++;
        }
        if (rr.type === 2) expect(decodeNs(bytes, rr.rdataOffset, rr.rdataLength).host).toBe(`${String(t.data).toLowerCase()}.`);
        if (rr.type === 6) {
          const soa = decodeSoa(bytes, rr.rdataOffset, rr.rdataLength);
          const ts = t.data as dnsPacket.SoaData;
          expect(soa).toEqual({
            mname: `${ts.mname.toLowerCase()}.`, rname: `${ts.rname.toLowerCase()}.`, serial: ts.serial, refresh: ts.refresh,
            retry: ts.retry, expire: ts.expire, minimum: ts.minimum,
          });
        }
      });
    }
    expect(compressedSeen).toBeGreaterThan(5);
  });
});

describe('round trips (property)', () => {
  it('DNSKEY, DS, RRSIG, SOA, NS, CSYNC, NSEC: decode(encode(x)) = x and encode is stable', () => {
    const roundTrip = <T>(encode: (x: T) => Uint8Array, decode: (b: Uint8Array, o: number, l: number) => T) => (x: T) => {
      const wire = encode(x);
      const back = decode(wire, 0, wire.length);
      expect(back).toEqual(x);
      expect(encode(back)).toEqual(wire);
      // decoding at an offset inside a larger buffer gives the same
      const padded = new Uint8Array(wire.length + 7);
      padded.set(wire, 5);
      expect(decode(padded, 5, wire.length)).toEqual(x);
    };
    fc.assert(fc.property(
      fc.record({ flags: u16, protocol: u8, algorithm: u8, publicKey: bytes(300) }),
      roundTrip(encodeDnskey, (b, o, l) => decodeDnskey(b, o, l)),
    ));
    fc.assert(fc.property(
      fc.record({ keyTag: u16, algorithm: u8, digestType: u8, digest: bytes(64) }),
      roundTrip(encodeDs, (b, o, l) => decodeDs(b, o, l)),
    ));
    fc.assert(fc.property(
      fc.record({
        typeCovered: u16, algorithm: u8, labels: u8, originalTtl: u32, expiration: u32, inception: u32, keyTag: u16,
        signer: hostname, signature: bytes(300),
      }),
      roundTrip(encodeRrsig, decodeRrsig),
    ));
    fc.assert(fc.property(
      fc.record({ mname: hostname, rname: hostname, serial: u32, refresh: u32, retry: u32, expire: u32, minimum: u32 }),
      roundTrip(encodeSoa, decodeSoa),
    ));
    fc.assert(fc.property(fc.record({ host: hostname }), roundTrip(encodeNs, decodeNs)));
    fc.assert(fc.property(fc.record({ serial: u32, flags: u16, types: typeSet }), roundTrip(encodeCsync, decodeCsync)));
    fc.assert(fc.property(fc.record({ next: hostname, types: typeSet }), roundTrip(encodeNsec, decodeNsec)));
  });

  it('type bitmaps agree with dns-packet\'s encoder (property)', () => {
    fc.assert(fc.property(typeSet, (types) => {
      const ours = encodeTypeBitmap(types);
      const theirs = (dnsPacket.nsec as unknown as { encode(r: unknown): Buffer })
        .encode({ nextDomain: '.', rrtypes: types.map((t) => dnsPacketTypes.toString(t)) });
      // dns-packet's NSEC RDATA: RDLENGTH(2) + root name(1) + bitmap
      expect(Buffer.from(ours).equals(theirs.subarray(3))).toBe(true);
      expect(decodeTypeBitmap(ours, 0, ours.length)).toEqual(types);
    }));
  });
});

describe('malformed RDATA throws KTO_ERR_CORE_MALFORMED_RDATA', () => {
  it('short fixed parts', () => {
    expect(malformedRdata(() => decodeDnskey(new Uint8Array(3), 0, 3))).toMatch(/DNSKEY RDATA at offset 0: 3 octets/);
    expect(malformedRdata(() => decodeDs(new Uint8Array(3), 0, 3, 'CDS'))).toMatch(/^CDS RDATA/);
    expect(malformedRdata(() => decodeRrsig(new Uint8Array(18), 0, 18))).toMatch(/RRSIG/);
    expect(malformedRdata(() => decodeCsync(new Uint8Array(5), 0, 5))).toMatch(/CSYNC/);
  });

  it('names that run past the RDATA, SOA tails, trailing octets after NS', () => {
    // NS name "a." but the RDATA length covers only 2 octets
    expect(malformedRdata(() => decodeNs(Uint8Array.from([1, 0x61, 0]), 0, 2))).toMatch(/past the end/);
    expect(malformedRdata(() => decodeNs(Uint8Array.from([0, 1]), 0, 2))).toMatch(/1 octets after the name/);
    expect(malformedRdata(() => decodeSoa(Uint8Array.from([0, 0, ...new Array(19).fill(0)]), 0, 21))).toMatch(/19 octets after the names/);
  });

  it('bad type bitmaps; trailing zero octets are tolerated', () => {
    expect(malformedRdata(() => decodeTypeBitmap(Uint8Array.from([0, 0]), 0, 2))).toMatch(/bitmap length 0/);
    expect(malformedRdata(() => decodeTypeBitmap(Uint8Array.from([0, 33, ...new Array(33).fill(0)]), 0, 35))).toMatch(/length 33/);
    expect(malformedRdata(() => decodeTypeBitmap(Uint8Array.from([1, 1, 0x40, 0, 1, 0x40]), 0, 6))).toMatch(/window 0 after window 1/);
    expect(malformedRdata(() => decodeTypeBitmap(Uint8Array.from([0, 2, 0x40]), 0, 3))).toMatch(/runs past the end/);
    expect(malformedRdata(() => decodeTypeBitmap(Uint8Array.from([0]), 0, 1))).toMatch(/cut off/);
    expect(decodeTypeBitmap(Uint8Array.from([0, 3, 0x40, 0, 0]), 0, 5)).toEqual([1]);
  });

  it('expandRdata: fixed fields, character-strings and names must fit the RDATA', () => {
    expect(malformedRdata(() => expandRdata(15, Uint8Array.from([0]), 0, 1, true))).toMatch(/^MX RDATA at offset 0: RDATA shorter/);
    expect(malformedRdata(() => expandRdata(35, Uint8Array.from([0, 1, 0, 1, 5, 0x61]), 0, 6, true))).toMatch(/^NAPTR .*character-string runs past/);
    expect(malformedRdata(() => expandRdata(2, Uint8Array.from([3, 0x61]), 0, 2, true))).toMatch(/NS RDATA name/);
    // an A6 with prefix length 0 has no prefix name (RFC 2874 §3.1.1)
    const a6 = Uint8Array.from([0, ...new Array(16).fill(1)]);
    expect(expandRdata(38, a6, 0, a6.length, true)).toEqual(a6);
  });

  it('ranges outside the buffer and bad encoder input are KTO_ERR_CORE_BAD_ARGUMENT', () => {
    expect(() => decodeDnskey(new Uint8Array(4), 1, 4)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    expect(() => encodeDs({ keyTag: 70000, algorithm: 8, digestType: 2, digest: new Uint8Array(32) }))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    expect(() => encodeDnskey({ flags: 257, protocol: 3, algorithm: 8, publicKey: 'AwEAAQ==' as unknown as Uint8Array }))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });
});
