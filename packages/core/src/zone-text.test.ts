import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRealZone, readRealText, rootZoneFacts } from '../test-support/real-data.js';
import { isKtoError } from './errors.js';
import { presentationToWire } from './names.js';
import { decodeRrsig, decodeSoa } from './rdata.js';
import { base32HexEncode, hexEncode } from './text-encoding.js';
import { typeName } from './types.js';
import { parseZoneText } from './zone-text.js';

function zoneSyntax(text: string): string {
  try {
    parseZoneText(text);
  } catch (err) {
    expect(isKtoError(err, 'KTO_ERR_CORE_ZONE_SYNTAX')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected KTO_ERR_CORE_ZONE_SYNTAX');
}

describe('the six real root zones', () => {
  it('parse completely: per-type record counts equal an independent count of the lines, serials and RRSIG totals equal the README/VERIFY numbers', () => {
    const facts = rootZoneFacts();
    expect(facts).toHaveLength(6);
    for (const f of facts) {
      const text = readRealText(f.file);
      // one record per line in these files: TYPE is the fourth whitespace-separated field
      const expected = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (line.trim() === '' || line.startsWith(';')) continue;
        const type = line.split(/\s+/)[3] as string;
        expected.set(type, (expected.get(type) ?? 0) + 1);
      }
      const zone = parseRealZone(f.file);
      expect(zone.skipped, f.file).toEqual([]);
      const got = new Map<string, number>();
      for (const r of zone.records) got.set(typeName(r.type), (got.get(typeName(r.type)) ?? 0) + 1);
      expect(Object.fromEntries(got), f.file).toEqual(Object.fromEntries(expected));
      expect(got.get('RRSIG'), f.file).toBe(f.rrsigs);
      const soa = zone.records.find((r) => r.type === 6);
      expect(soa && decodeSoa(soa.rdata, 0, soa.rdata.length).serial, f.file).toBe(f.serial);
      for (const r of zone.records) {
        expect(r.klass).toBe(1);
        expect(r.name === r.name.toLowerCase() && r.name.endsWith('.')).toBe(true);
      }
    }
  }, 60_000);
});

describe('RFC example zones', () => {
  it('RFC 5155 Appendix A: NSEC3 hashed owners and next-hashed fields form one closed chain (base32hex)', () => {
    const zone = parseRealZone('rfc-vectors/rfc5155-appendix-A.zone');
    const nsec3 = zone.records.filter((r) => r.type === 50);
    expect(nsec3.length).toBeGreaterThan(5);
    const owners = nsec3.map((r) => r.name.split('.')[0] as string);
    const nexts = nsec3.map((r) => {
      const saltLen = r.rdata[4] as number;
      const hashLen = r.rdata[5 + saltLen] as number;
      expect([r.rdata[0], r.rdata[2], r.rdata[3], hexEncode(r.rdata.subarray(5, 5 + saltLen))]).toEqual([1, 0, 12, 'aabbccdd']);
      return base32HexEncode(r.rdata.subarray(6 + saltLen, 6 + saltLen + hashLen));
    });
    expect([...nexts].sort()).toEqual([...owners].sort());
    // the hash list in the file's comments names the same hashes
    const listed = [...readRealText('rfc-vectors/rfc5155-appendix-A.zone').matchAll(/=\s+([0-9a-v]{32})/g)].map((m) => m[1]);
    for (const o of owners) expect(listed).toContain(o);
  });

  it('RFC 4035 Appendix A: multi-line records, relative names and inherited owners', () => {
    const zone = parseRealZone('rfc-vectors/rfc4035-appendix-A.zone');
    expect(zone.skipped).toEqual([]);
    const apex = zone.records.filter((r) => r.name === 'example.');
    expect(apex.map((r) => typeName(r.type))).toEqual([
      'SOA', 'RRSIG', 'NS', 'NS', 'RRSIG', 'MX', 'RRSIG', 'NSEC', 'RRSIG', 'DNSKEY', 'DNSKEY', 'RRSIG', 'RRSIG',
    ]);
    const sig = apex[1] as { rdata: Uint8Array };
    expect(decodeRrsig(sig.rdata, 0, sig.rdata.length)).toMatchObject({
      typeCovered: 6, algorithm: 5, labels: 1, originalTtl: 3600, keyTag: 38519, signer: 'example.',
      expiration: Date.UTC(2004, 4, 9, 18, 36, 19) / 1000, inception: Date.UTC(2004, 3, 9, 18, 36, 19) / 1000,
    });
  });
});

describe('master-file syntax', () => {
  const text = [
    '; a comment line',
    '$ORIGIN Example.',
    '$TTL 1h',
    '@        IN  SOA ns1 hostmaster ( 2024010101 ; serial',
    '                 2h 30m 1w 1d )',
    '         NS  ns1',
    '         60 IN NS ns2.other.',
    'www      IN 300 A 192.0.2.1',
    'www      AAAA 2001:db8::1',
    'txt      TXT "a b; c" plain "q\\"uote" "\\065\\\\"',
    'mx       MX 10 @',
    'sub      DS 12345 RSASHA256 2 ( 49AAC11D7B6F6446702E54A1607371607A1A4185',
    '               5200FD2CE1CDDE32F24E8FB5 )',
    'key      DNSKEY 257 3 8 AwEA AQ==',
    'gen      TYPE1 \\# 4 C0000202',
    'gen2     TYPE65534 \\# 3 01 0203',
    'empty    TYPE999 \\# 0',
    'old      WKS 192.0.2.1 6 25',
    'odd      FOOBAR whatever',
    'csync    CSYNC 66 3 A NS AAAA',
    'n3p      NSEC3PARAM 1 0 10 -',
    'sig      RRSIG A 13 2 300 1700000000 20231101000000 123 Example. AAAA',
    'ch       CH TXT "chaos"',
  ].join('\n');
  const z = parseZoneText(text);
  const byName = (n: string) => z.records.filter((r) => r.name === n);

  it('owners, $ORIGIN, @, relative names, inherited owner, TTL units and defaults, class/TTL in either order', () => {
    const apex = byName('example.');
    expect(apex.map((r) => [typeName(r.type), r.ttl])).toEqual([['SOA', 3600], ['NS', 3600], ['NS', 60]]);
    const soa = decodeSoa((apex[0] as { rdata: Uint8Array }).rdata, 0, (apex[0] as { rdata: Uint8Array }).rdata.length);
    expect(soa).toEqual({
      mname: 'ns1.example.', rname: 'hostmaster.example.', serial: 2024010101, refresh: 7200, retry: 1800, expire: 604800, minimum: 86400,
    });
    expect(byName('www.example.').map((r) => [typeName(r.type), r.ttl, hexEncode(r.rdata)])).toEqual([
      ['A', 300, 'c0000201'], ['AAAA', 3600, '20010db8000000000000000000000001'],
    ]);
    // RDATA names keep the case they were written in ("$ORIGIN Example.")
    expect(byName('mx.example.')[0]?.rdata).toEqual(Uint8Array.from([0, 10, ...presentationToWire('Example.', null, false)]));
    expect(byName('ch.example.')[0]?.klass).toBe(3);
    expect(z.origin).toBe('example.');
    expect(apex[0]?.line).toBe(4);
  });

  it('quoted strings, escapes, split hex/base64, algorithm mnemonics', () => {
    const txt = byName('txt.example.')[0]?.rdata as Uint8Array;
    expect(Buffer.from(txt).toString('latin1')).toBe('\x06a b; c\x05plain\x06q"uote\x02A\\');
    expect(hexEncode(byName('sub.example.')[0]?.rdata as Uint8Array))
      .toBe('3039080249aac11d7b6f6446702e54a1607371607a1a41855200fd2ce1cdde32f24e8fb5');
    expect(hexEncode(byName('key.example.')[0]?.rdata as Uint8Array)).toBe('0101' + '03' + '08' + '03010001'); // base64 "AwEA" "AQ==" joined
  });

  it('RFC 3597 generic RDATA and TYPEnnn for any type; unknown syntax goes to `skipped`, not silently away', () => {
    expect(byName('gen.example.')[0]).toMatchObject({ type: 1, rdata: Uint8Array.from([192, 0, 2, 2]) });
    expect(byName('gen2.example.')[0]).toMatchObject({ type: 65534, rdata: Uint8Array.from([1, 2, 3]) });
    expect(byName('empty.example.')[0]).toMatchObject({ type: 999, rdata: new Uint8Array(0) });
    expect(z.skipped).toEqual([
      { name: 'old.example.', type: 'WKS', line: 18, reason: 'no RDATA parser for this type' },
      { name: 'odd.example.', type: 'FOOBAR', line: 19, reason: 'unknown type mnemonic' },
    ]);
    expect(hexEncode(byName('csync.example.')[0]?.rdata as Uint8Array)).toBe('000000420003000460000008');
    expect(hexEncode(byName('n3p.example.')[0]?.rdata as Uint8Array)).toBe('0100000a00');
    const sig = byName('sig.example.')[0]?.rdata as Uint8Array;
    expect(decodeRrsig(sig, 0, sig.length)).toMatchObject({ expiration: 1700000000, inception: Date.UTC(2023, 10, 1) / 1000, signer: 'example.' });
  });

  it('reports syntax errors with KTO_ERR_CORE_ZONE_SYNTAX and the line', () => {
    expect(zoneSyntax('a. 1 IN A 192.0.2.1\nb. 1 IN A ( 192.0.2.1')).toMatch(/line 2: unbalanced "\(" never closed/);
    expect(zoneSyntax('a. 1 IN A 192.0.2.1 )')).toMatch(/line 1: unbalanced "\)"/);
    expect(zoneSyntax('\n\na. 1 IN DNSKEY 257 3 8 not*base64')).toMatch(/line 3: public key is not valid base64/);
    expect(zoneSyntax('a. 1x IN A 192.0.2.1')).toMatch(/bad TTL/);
    expect(zoneSyntax('  1 IN A 192.0.2.1')).toMatch(/no previous owner/);
    expect(zoneSyntax('a. IN A 192.0.2.1')).toMatch(/no TTL/);
    expect(zoneSyntax('$INCLUDE other.zone')).toMatch(/not supported/);
    expect(zoneSyntax('a. 1 IN TYPE1 \\# 4 C00002')).toMatch(/3 octets, the length says 4/);
    expect(zoneSyntax('a. 1 IN AAAA 2001:db8:::1')).toMatch(/bad IPv6/);
    expect(zoneSyntax('a. 1 IN A 192.0.2.256')).toMatch(/bad IPv4/);
    expect(zoneSyntax('a. 1 IN A 192.0.2.1 extra')).toMatch(/unexpected "extra"/);
    expect(zoneSyntax('a. 1 IN TXT "open')).toMatch(/unterminated/);
    expect(zoneSyntax('a. 1 IN RRSIG A 8 1 1 20231301000000 20230101000000 1 a. AAAA')).toMatch(/bad signature expiration/);
    expect(zoneSyntax('a..b. 1 IN A 192.0.2.1')).toMatch(/line 1: empty label/);
    expect(zoneSyntax(`a. 1 IN TXT "${'x'.repeat(256)}"`)).toMatch(/at most 255/);
  });

  it('AAAA text gives the address the WHATWG URL parser reads from the same text (property)', () => {
    fc.assert(fc.property(fc.ipV6(), (addr) => {
      const ours = parseZoneText(`a. 1 IN AAAA ${addr}`).records[0]?.rdata as Uint8Array;
      const words = Array.from({ length: 8 }, (_, i) => (((ours[2 * i] as number) << 8) | (ours[2 * i + 1] as number)).toString(16));
      expect(new URL(`http://[${words.join(':')}]/`).hostname).toBe(new URL(`http://[${addr}]/`).hostname);
    }));
  });
});
