import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import csyncVector from '../test-vectors/rfc7477-csync.json' with { type: 'json' };
import { parseRealZone } from '../test-support/real-data.js';
import { cdnskeyCodec, cdsCodec, csyncCodec } from './dns-packet-codecs.js';
import { decodeMessage } from './message.js';
import { decodeDnskey, decodeDs } from './rdata.js';
import { hexEncode } from './text-encoding.js';

/** RDATA (without RDLENGTH) that a codec writes for `data`. */
function rdataOf<T>(codec: { encode(d: T): Uint8Array }, data: T): Buffer {
  return Buffer.from(codec.encode(data).subarray(2));
}

/** What the codec reads back from raw RDATA (dns-packet's `data` for a type it has no codec for). */
function fromRdata<T>(codec: { decode(b: Uint8Array, o?: number): T }, rdata: Uint8Array): T {
  const framed = new Uint8Array(rdata.length + 2);
  framed[0] = rdata.length >> 8;
  framed[1] = rdata.length & 0xff;
  framed.set(rdata, 2);
  return codec.decode(framed, 0);
}

describe('dns-packet-compatible codecs for CDS, CDNSKEY, CSYNC', () => {
  const root = parseRealZone('root-zone/root-zone-2023-05-11.zone.gz');
  const ksk = root.records.find((r) => r.type === 48 && r.rdata[1] === 1)?.rdata as Uint8Array;
  const someDs = root.records.find((r) => r.type === 43)?.rdata as Uint8Array;

  it('round-trip whole messages through dns-packet\'s encode/decode on the raw `data` field', () => {
    const k = decodeDnskey(ksk, 0, ksk.length);
    const d = decodeDs(someDs, 0, someDs.length);
    const cds = { keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: d.digest };
    const cdnskey = { flags: k.flags, protocol: 3, algorithm: k.algorithm, key: k.publicKey };
    const csync = { serial: 66, flags: 3, rrtypes: ['A', 'NS', 'AAAA'] };
    const packet = dnsPacket.encode({
      type: 'response', id: 42, questions: [{ type: 'CDS', name: 'example.com' }],
      answers: [
        { type: 'CDS', name: 'example.com', ttl: 300, data: rdataOf(cdsCodec, cds) },
        { type: 'CDNSKEY', name: 'example.com', ttl: 300, data: rdataOf(cdnskeyCodec, cdnskey) },
        { type: 'UNKNOWN_62', name: 'example.com', ttl: 300, data: rdataOf(csyncCodec, csync) },
      ] as unknown as dnsPacket.Answer[],
    });
    const back = dnsPacket.decode(packet);
    const answers = back.answers as unknown as { type: string; data: Buffer }[];
    expect(answers.map((a) => a.type)).toEqual(['CDS', 'CDNSKEY', 'UNKNOWN_62']);
    expect(fromRdata(cdsCodec, answers[0]?.data as Buffer)).toEqual({ ...cds, digest: expect.anything() });
    expect(hexEncode(fromRdata(cdsCodec, answers[0]?.data as Buffer).digest)).toBe(hexEncode(d.digest));
    const key = fromRdata(cdnskeyCodec, answers[1]?.data as Buffer);
    expect([key.flags, key.protocol, key.algorithm, hexEncode(key.key)]).toEqual([257, 3, 8, hexEncode(k.publicKey)]);
    expect(fromRdata(csyncCodec, answers[2]?.data as Buffer)).toEqual(csync);
    // the same bytes decode with KTO's own message decoder
    const m = decodeMessage(new Uint8Array(packet));
    expect(m.answer.map((a) => a.type)).toEqual([59, 60, 62]);
    expect(hexEncode(m.answer[2]?.rdata as Uint8Array)).toBe(csyncVector.rdataHex);
  });

  it('follow dns-packet\'s codec conventions: RDLENGTH prefix, offsets, .bytes, encodingLength', () => {
    const data = { keyTag: 1, algorithm: 13, digestType: 2, digest: new Uint8Array(32).fill(0xab) };
    expect(cdsCodec.encodingLength(data)).toBe(2 + 4 + 32);
    const buf = new Uint8Array(50);
    cdsCodec.encode(data, buf, 7);
    expect(cdsCodec.encode.bytes).toBe(38);
    expect([buf[7], buf[8]]).toEqual([0, 36]);
    const back = cdsCodec.decode(buf, 7);
    expect(cdsCodec.decode.bytes).toBe(38);
    expect(back).toEqual(data);
    // the RFC 8078 §4 "delete" records
    const del = cdsCodec.decode(cdsCodec.encode({ keyTag: 0, algorithm: 0, digestType: 0, digest: Uint8Array.from([0]) }));
    expect(del).toEqual({ keyTag: 0, algorithm: 0, digestType: 0, digest: Uint8Array.from([0]) });
    expect(cdnskeyCodec.decode(cdnskeyCodec.encode({ flags: 0, algorithm: 0, key: Uint8Array.from([0]) })))
      .toEqual({ flags: 0, protocol: 3, algorithm: 0, key: Uint8Array.from([0]) });
    expect(csyncCodec.decode(csyncCodec.encode({ serial: 1, flags: 0, rrtypes: [1, 'TYPE1234'] })).rrtypes).toEqual(['A', 'TYPE1234']);
  });

  it('CDNSKEY RDATA equals dns-packet\'s own DNSKEY codec output (same format, RFC 7344 §3.2)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 300 }),
      (flags, algorithm, key) => {
        const ours = cdnskeyCodec.encode({ flags, algorithm, key: Uint8Array.from(key) });
        const theirs = (dnsPacket as unknown as { dnskey: { encode(d: unknown): Buffer } }).dnskey.encode({ flags, algorithm, key: Buffer.from(key) });
        expect(Buffer.from(ours).equals(theirs)).toBe(true);
        expect(cdnskeyCodec.encodingLength({ flags, algorithm, key: Uint8Array.from(key) })).toBe(theirs.length);
      }));
  });

  it('CDS RDATA equals dns-packet\'s DS codec output (same format, RFC 7344 §3.1)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 64 }), (keyTag, algorithm, digestType, digest) => {
        const ours = cdsCodec.encode({ keyTag, algorithm, digestType, digest: Uint8Array.from(digest) });
        const theirs = (dnsPacket as unknown as { ds: { encode(d: unknown): Buffer } }).ds.encode({ keyTag, algorithm, digestType, digest: Buffer.from(digest) });
        expect(Buffer.from(ours).equals(theirs)).toBe(true);
      }));
  });

  it('reject short or overrunning input', () => {
    expect(() => cdsCodec.decode(Uint8Array.from([0]))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA' }));
    expect(() => cdsCodec.decode(Uint8Array.from([0, 9, 1, 2]))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA' }));
    expect(() => csyncCodec.decode(Uint8Array.from([0, 2, 1, 2]))).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_MALFORMED_RDATA' }));
    expect(() => cdsCodec.encode({ keyTag: 1, algorithm: 1, digestType: 1, digest: new Uint8Array(4) }, new Uint8Array(5)))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
    expect(() => csyncCodec.encode({ serial: 1, flags: 0, rrtypes: ['NOPE'] })).toThrow(expect.objectContaining({ code: 'KTO_ERR_CORE_BAD_ARGUMENT' }));
  });
});
