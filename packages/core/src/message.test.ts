import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRealText } from '../test-support/real-data.js';
import { isKtoError } from './errors.js';
import { decodeMessage, encodeQuery } from './message.js';
import type { DnsRecord } from './message.js';
import { normalizeName } from './names.js';
import { classFromName, typeFromName } from './types.js';

interface AtlasResult {
  msm_id: number;
  prb_id: number;
  result?: { abuf?: string; ID?: number };
}

const atlas: { id: string; bytes: Uint8Array; meta: NonNullable<AtlasResult['result']> }[] = readRealText('ripe-atlas/sagan-test-dns-results.jsonl')
  .split('\n').filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as AtlasResult)
  .filter((r) => r.result?.abuf !== undefined)
  .map((r) => ({
    id: `msm ${r.msm_id} probe ${r.prb_id}`,
    bytes: new Uint8Array(Buffer.from(r.result?.abuf ?? '', 'base64')),
    meta: r.result ?? {},
  }));

function malformedMessage(bytes: Uint8Array): string {
  try {
    decodeMessage(bytes);
  } catch (err) {
    expect(isKtoError(err, 'KTO_ERR_CORE_MALFORMED_MESSAGE')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected KTO_ERR_CORE_MALFORMED_MESSAGE');
}

type PacketRecord = dnsPacket.Answer & { class?: string; ttl?: number };

function sameRecord(ours: DnsRecord, theirs: PacketRecord): void {
  expect(ours.name).toBe(normalizeName(theirs.name === '' ? '.' : theirs.name));
  const t = theirs.type as string;
  expect(ours.type).toBe(t.startsWith('UNKNOWN_') ? Number(t.slice(8)) : typeFromName(t));
  if (theirs.type !== 'OPT') {
    expect(ours.ttl).toBe(theirs.ttl);
    const c = theirs.class ?? '';
    expect(ours.klass).toBe(c.startsWith('UNKNOWN_') ? Number(c.slice(8)) : classFromName(c));
  }
}

describe('decodeMessage on real responses (RIPE Atlas abufs) against dns-packet', () => {
  it('has the real responses to work on', () => {
    expect(atlas.length).toBeGreaterThan(30);
  });

  it('decodes every abuf like dns-packet does: header, counts, owner names, types, TTLs', () => {
    let records = 0;
    for (const { id, bytes, meta } of atlas) {
      const ours = decodeMessage(bytes);
      const theirs = dnsPacket.decode(Buffer.from(bytes));
      expect(ours.header.id, id).toBe(theirs.id);
      expect(ours.header.id, id).toBe(meta.ID);
      expect(ours.header.flags & 0x7ff0, id).toBe((theirs.flags ?? 0) & 0x7ff0);
      expect(ours.header.qr, id).toBe(theirs.type === 'response');
      expect(ours.header.aa).toBe(theirs.flag_aa);
      expect(ours.header.tc).toBe(theirs.flag_tc);
      expect(ours.header.rd).toBe(theirs.flag_rd);
      expect(ours.header.ra).toBe(theirs.flag_ra);
      expect(ours.header.ad).toBe(theirs.flag_ad);
      expect(ours.header.cd).toBe(theirs.flag_cd);
      // counts as in the wire header (one fixture's JSON metadata disagrees with its own abuf)
      expect(ours.question.length).toBe(theirs.questions?.length);
      expect(ours.answer.length, id).toBe(theirs.answers?.length);
      expect(ours.authority.length, id).toBe(theirs.authorities?.length);
      expect(ours.additional.length, id).toBe(theirs.additionals?.length);
      ours.question.forEach((q, i) => {
        const t = theirs.questions?.[i] as dnsPacket.Question;
        expect(q.name).toBe(normalizeName(t.name === '' ? '.' : t.name));
        expect(q.type).toBe(typeFromName(t.type));
      });
      const sections = [
        [ours.answer, theirs.answers], [ours.authority, theirs.authorities], [ours.additional, theirs.additionals],
      ] as const;
      for (const [mine, other] of sections) {
        mine.forEach((rr, i) => {
          sameRecord(rr, other?.[i] as PacketRecord);
          // the rdata view is exactly the RDATA octets of the message
          expect(rr.rdata.byteOffset - bytes.byteOffset).toBe(rr.rdataOffset);
          expect(rr.rdata.length).toBe(rr.rdataLength);
          records++;
        });
      }
      const opt = theirs.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
      if (opt === undefined) {
        expect(ours.edns).toBeUndefined();
      } else {
        expect(ours.edns?.udpSize).toBe(opt.udpPayloadSize);
        expect(ours.edns?.dnssecOk).toBe(((opt.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0);
        expect(ours.edns?.options.length).toBe(opt.options.length);
      }
    }
    expect(records).toBeGreaterThan(100);
  });

  it('lower-cases owner names and follows compression pointers in real data', () => {
    // at least one real response uses compression (pointer octets 0xc0..0xff in a name position)
    const compressed = atlas.filter(({ bytes }) => {
      const m = decodeMessage(bytes);
      return m.answer.length > 0 && (bytes[(m.answer[0] as DnsRecord).rdataOffset - 12] ?? 0) >= 0xc0;
    });
    expect(compressed.length).toBeGreaterThan(10);
    for (const { bytes } of atlas) {
      for (const rr of decodeMessage(bytes).answer) expect(rr.name).toBe(rr.name.toLowerCase());
    }
  });
});

describe('decodeMessage on built messages', () => {
  it('reads EDNS (udp size, version, DO, options), EDE options and the extended RCODE', () => {
    const bytes = dnsPacket.encode({
      type: 'response', id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | 2 /* SERVFAIL */,
      questions: [{ type: 'DNSKEY', name: 'Example.' }],
      additionals: [{
        type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, flags: dnsPacket.DNSSEC_OK,
        options: [
          { code: 15, data: Buffer.concat([Buffer.from([0, 9]), Buffer.from('no DNSKEY for tag 33834', 'utf8')]) },
          { code: 15, data: Buffer.from([0, 22]) },
          { code: 10, data: Buffer.from('0102030405060708', 'hex') },
        ],
      } as unknown as dnsPacket.OptAnswer],
    });
    const m = decodeMessage(bytes);
    expect(m.header.id).toBe(0xbeef);
    expect(m.header.rcode).toBe(2);
    expect(m.header.rd && m.header.ra && m.header.qr).toBe(true);
    expect(m.question).toEqual([{ name: 'example.', type: 48, klass: 1 }]);
    expect(m.edns).toMatchObject({ udpSize: 1232, version: 0, dnssecOk: true });
    expect(m.edns?.options.map((o) => o.code)).toEqual([15, 15, 10]);
    expect(m.ede).toEqual([{ code: 9, text: 'no DNSKEY for tag 33834' }, { code: 22, text: '' }]);
    expect(m.additional).toHaveLength(1); // the OPT RR stays in the additional section
  });

  it('combines the OPT extended RCODE bits with the header RCODE (BADVERS = 16)', () => {
    const bytes = dnsPacket.encode({
      type: 'response', id: 1, flags: 0,
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 512, extendedRcode: 1, options: [] } as unknown as dnsPacket.OptAnswer],
    });
    const m = decodeMessage(bytes);
    expect(m.header.rcode).toBe(16);
    expect(m.header.flags & 0xf).toBe(0);
  });

  it('a message without OPT has no edns and an empty ede list', () => {
    const m = decodeMessage(dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'A', name: 'a.' }] }));
    expect(m.edns).toBeUndefined();
    expect(m.ede).toEqual([]);
    expect(m.header.qr).toBe(false);
  });
});

describe('decodeMessage rejects malformed messages with KTO_ERR_CORE_MALFORMED_MESSAGE', () => {
  const good = dnsPacket.encode({
    type: 'response', id: 9, questions: [{ type: 'NS', name: 'example.' }],
    answers: [{ type: 'NS', name: 'example.', ttl: 60, data: 'ns1.example.' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, options: [] } as unknown as dnsPacket.OptAnswer],
  });

  it('short header', () => {
    expect(malformedMessage(new Uint8Array(11))).toMatch(/shorter than the 12-octet header/);
  });

  it('counts that overrun the bytes, naming the section', () => {
    const b = Uint8Array.from(good);
    b[11] = 2; // ARCOUNT 2, one record there
    expect(malformedMessage(b)).toMatch(/additional 1/);
    b[11] = 1;
    b[5] = 2; // QDCOUNT 2: the answer's owner is read as a question, its TTL as a record header
    expect(malformedMessage(b)).toMatch(/answer 0: RDATA of \d+ octets/);
  });

  it('truncated RDATA and trailing octets', () => {
    expect(malformedMessage(good.subarray(0, good.length - 3))).toMatch(/additional 0/);
    expect(malformedMessage(Uint8Array.from([...good, 0]))).toMatch(/1 octets left/);
  });

  it('a second OPT RR or an OPT RR not owned by the root', () => {
    const two = dnsPacket.encode({
      type: 'response', id: 1,
      additionals: [
        { type: 'OPT', name: '.', udpPayloadSize: 512, options: [] } as unknown as dnsPacket.OptAnswer,
        { type: 'OPT', name: '.', udpPayloadSize: 512, options: [] } as unknown as dnsPacket.OptAnswer,
      ],
    });
    expect(malformedMessage(two)).toMatch(/second OPT/);
    // hand-built: OPT with owner "a."
    const hdr = [0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(malformedMessage(Uint8Array.from([...hdr, 1, 0x61, 0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0]))).toMatch(/not the root/);
  });

  it('EDNS option overruns and short EDE options', () => {
    const hdr = [0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const opt = (rdata: number[]) => Uint8Array.from([...hdr, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, rdata.length, ...rdata]);
    expect(malformedMessage(opt([0, 15, 0, 5, 0, 1]))).toMatch(/runs past the OPT RDATA/);
    expect(malformedMessage(opt([0, 15, 0, 1, 0]))).toMatch(/Extended DNS Error option of 1 octets/);
    expect(malformedMessage(opt([0, 15]))).toMatch(/option header cut off/);
  });

  it('compression loops and forward pointers in owner names', () => {
    const hdr = [0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    expect(malformedMessage(Uint8Array.from([...hdr, 0xc0, 12, 0, 1, 0, 1]))).toMatch(/does not point backwards/);
    expect(malformedMessage(Uint8Array.from([...hdr, 0xc0, 14, 0, 0, 1, 0, 1]))).toMatch(/question 0.*does not point backwards/);
  });

  it('never throws anything but KtoError on random or mutated input (property)', () => {
    const samples = atlas.map((a) => a.bytes);
    const check = (bytes: Uint8Array) => {
      try {
        decodeMessage(bytes);
      } catch (err) {
        expect(isKtoError(err, 'KTO_ERR_CORE_MALFORMED_MESSAGE')).toBe(true);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 2000 });
    fc.assert(fc.property(
      fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.nat()),
      (sample, flips, cut) => {
        const b = Uint8Array.from(sample);
        for (const [pos, value] of flips) b[pos % b.length] = value;
        check(cut === null ? b : b.subarray(0, cut % (b.length + 1)));
      },
    ), { numRuns: 3000 });
  });
});

describe('encodeQuery', () => {
  it('builds a query with one OPT RR that dns-packet reads back', () => {
    const q = encodeQuery({ id: 0x1234, name: 'Example.COM', type: 'DNSKEY' });
    const p = dnsPacket.decode(Buffer.from(q));
    expect(p.id).toBe(0x1234);
    expect(p.type).toBe('query');
    expect(p.flag_rd).toBe(true);
    expect(p.flag_cd).toBe(false);
    expect(p.questions).toEqual([{ name: 'example.com', type: 'DNSKEY', class: 'IN' }]);
    const opt = p.additionals?.[0] as dnsPacket.OptAnswer;
    expect(opt.type).toBe('OPT');
    expect(opt.udpPayloadSize).toBe(4096);
    expect(((opt.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0).toBe(true);
    expect(opt.ednsVersion).toBe(0);
  });

  it('honours klass, rd, cd, dnssecOk and udpSize, and decodes with decodeMessage', () => {
    const q = encodeQuery({ id: 7, name: '.', type: 43, klass: 3, rd: false, cd: true, dnssecOk: false, udpSize: 1232 });
    const m = decodeMessage(q);
    expect(m.header).toMatchObject({ id: 7, qr: false, rd: false, cd: true, opcode: 0, rcode: 0 });
    expect(m.question).toEqual([{ name: '.', type: 43, klass: 3 }]);
    expect(m.edns).toMatchObject({ udpSize: 1232, dnssecOk: false, version: 0, options: [] });
  });

  it('rejects bad arguments with KTO_ERR_CORE_BAD_ARGUMENT or KTO_ERR_CORE_BAD_NAME', () => {
    const bad = (opts: Parameters<typeof encodeQuery>[0], code: string) =>
      expect(() => encodeQuery(opts)).toThrow(expect.objectContaining({ code }));
    bad({ id: 65536, name: 'a.', type: 1 }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ id: -1, name: 'a.', type: 1 }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ id: 1, name: 'a.', type: 'NOPE' }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ id: 1, name: 'a.', type: 41 }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ id: 1, name: 'a.', type: 1, udpSize: 70000 }, 'KTO_ERR_CORE_BAD_ARGUMENT');
    bad({ id: 1, name: 'a..b', type: 1 }, 'KTO_ERR_CORE_BAD_NAME');
  });
});
