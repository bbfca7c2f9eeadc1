import dnsPacketTypes from 'dns-packet/types.js';
import rcodes from 'dns-packet/rcodes.js';
import { describe, expect, it } from 'vitest';
import { isKtoError } from './errors.js';
import {
  DNSSEC_ALGORITHM, EDE_CODE_NAMES, RCODE, RRTYPE, algorithmFromName, algorithmName, classFromName, className,
  digestTypeName, edeName, rcodeName, typeFromName, typeName,
} from './types.js';

describe('RR type table', () => {
  it('has the types KTO needs with their IANA numbers', () => {
    expect(RRTYPE.DNSKEY).toBe(48);
    const expected: Record<string, number> = {
      A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48,
      NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, CDS: 59, CDNSKEY: 60, CSYNC: 62, ZONEMD: 63, ANY: 255,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect(typeFromName(name)).toBe(value);
      expect(typeName(value)).toBe(name);
    }
  });

  it('agrees with dns-packet on every mnemonic both tables know (independent table)', () => {
    let checked = 0;
    for (const [name, value] of Object.entries(RRTYPE)) {
      const theirs = dnsPacketTypes.toString(value);
      if (theirs.startsWith('UNKNOWN')) continue;
      expect(theirs).toBe(name);
      expect(dnsPacketTypes.toType(name)).toBe(value);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('round-trips every entry and uses the RFC 3597 TYPEnnn form otherwise', () => {
    for (const [name, value] of Object.entries(RRTYPE)) {
      expect(typeName(value)).toBe(name);
      expect(typeFromName(name.toLowerCase())).toBe(value);
    }
    expect(typeName(123)).toBe('TYPE123');
    expect(typeFromName('TYPE123')).toBe(123);
    expect(typeFromName('type48')).toBe(48);
    expect(typeName(typeFromName('TYPE65535'))).toBe('TYPE65535');
  });

  it('rejects unknown mnemonics and out-of-range numbers with KTO_ERR_CORE_BAD_ARGUMENT', () => {
    for (const bad of ['FOO', 'TYPE', 'TYPE65536', 'TYPE-1', 'TYPE1x', 'toString', '__proto__']) {
      expect(() => typeFromName(bad)).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    }
    for (const bad of [-1, 65536, 1.5]) {
      let caught: unknown;
      try {
        typeName(bad);
      } catch (err) {
        caught = err;
      }
      expect(isKtoError(caught, 'KTO_ERR_CORE_BAD_ARGUMENT')).toBe(true);
    }
  });
});

describe('classes, rcodes, algorithms, digests, EDE', () => {
  it('classes', () => {
    expect(classFromName('IN')).toBe(1);
    expect(classFromName('ch')).toBe(3);
    expect(classFromName('CLASS32')).toBe(32);
    expect(className(1)).toBe('IN');
    expect(className(32)).toBe('CLASS32');
  });

  it('rcodes agree with dns-packet for 0..10 and name the extended ones', () => {
    for (let r = 0; r <= 10; r++) expect(rcodeName(r)).toBe(rcodes.toString(r));
    expect(RCODE.BADVERS).toBe(16);
    expect(rcodeName(16)).toBe('BADVERS');
    expect(rcodeName(23)).toBe('BADCOOKIE');
    expect(rcodeName(3841)).toBe('RCODE3841');
  });

  it('DNSSEC algorithms 1,3,5,6,7,8,10,12,13,14,15,16 have names and round-trip', () => {
    for (const n of [1, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16]) {
      const name = algorithmName(n);
      expect(name).not.toBe(String(n));
      expect(algorithmFromName(name)).toBe(n);
      expect(algorithmFromName(String(n))).toBe(n);
    }
    expect(DNSSEC_ALGORITHM.RSASHA256).toBe(8);
    expect(algorithmName(8)).toBe('RSASHA256');
    expect(algorithmName(13)).toBe('ECDSAP256SHA256');
    expect(algorithmFromName('ed25519')).toBe(15);
    expect(algorithmName(200)).toBe('200');
    expect(() => algorithmFromName('256')).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    expect(() => algorithmFromName('RSA')).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });

  it('digest types 1, 2, 4', () => {
    expect(digestTypeName(1)).toBe('SHA-1');
    expect(digestTypeName(2)).toBe('SHA-256');
    expect(digestTypeName(4)).toBe('SHA-384');
    expect(digestTypeName(9)).toBe('9');
  });

  it('EDE info-codes: the RFC 8914 §5.2 table 0..24 and later registrations', () => {
    for (let c = 0; c <= 30; c++) expect(EDE_CODE_NAMES[c]).toBeTypeOf('string');
    expect(edeName(6)).toBe('DNSSEC Bogus');
    expect(edeName(9)).toBe('DNSKEY Missing');
    expect(edeName(22)).toBe('No Reachable Authority');
    expect(edeName(24)).toBe('Invalid Data');
    expect(edeName(27)).toBe('Unsupported NSEC3 Iterations Value');
    expect(edeName(49152)).toBe('EDE49152');
  });
});
