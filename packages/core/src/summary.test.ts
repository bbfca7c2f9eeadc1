import { Record as ProtoRecord, Rrsig as ProtoRrsig } from '@kto/proto';
import dnsPacket from 'dns-packet';
import dnsPacketTypes from 'dns-packet/types.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRealZone, publicKeyObject, readRealText } from '../test-support/real-data.js';
import { keyTag } from './keytag.js';
import { decodeMessage } from './message.js';
import type { DnsMessage } from './message.js';
import {
  decodeCsync, decodeDnskey, decodeDs, decodeNs, decodeRrsig, decodeSoa, encodeCsync, encodeDnskey, encodeDs,
} from './rdata.js';
import { summarizeAnswer } from './summary.js';
import { typeName } from './types.js';
import type { ZoneRecord } from './zone-text.js';

const ROOT_2023 = 'root-zone/root-zone-2023-05-11.zone.gz';

/** A response built with dns-packet (an independent encoder) from real zone records. */
function response(qname: string, qtype: string, records: ZoneRecord[], ttlOverride?: number): DnsMessage {
  const answers = records.map((r) => {
    const ttl = ttlOverride ?? r.ttl;
    const type = dnsPacketTypes.toString(r.type); // dns-packet's own names ("UNKNOWN_62" for CSYNC)
    if (r.type === 48) {
      const k = decodeDnskey(r.rdata, 0, r.rdata.length);
      return { type, name: r.name, ttl, data: { flags: k.flags, algorithm: k.algorithm, key: Buffer.from(k.publicKey) } };
    }
    if (r.type === 43) {
      const d = decodeDs(r.rdata, 0, r.rdata.length);
      return { type, name: r.name, ttl, data: { keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: Buffer.from(d.digest) } };
    }
    if (r.type === 46) {
      const s = decodeRrsig(r.rdata, 0, r.rdata.length);
      return {
        type, name: r.name, ttl,
        data: {
          typeCovered: typeName(s.typeCovered), algorithm: s.algorithm, labels: s.labels, originalTTL: s.originalTtl,
          expiration: s.expiration, inception: s.inception, keyTag: s.keyTag, signersName: s.signer, signature: Buffer.from(s.signature),
        },
      };
    }
    if (r.type === 6) return { type, name: r.name, ttl, data: decodeSoa(r.rdata, 0, r.rdata.length) };
    if (r.type === 2) return { type, name: r.name, ttl, data: decodeNs(r.rdata, 0, r.rdata.length).host };
    return { type, name: r.name, ttl, data: Buffer.from(r.rdata) }; // raw RDATA (dns-packet's unknown codec)
  });
  const bytes = dnsPacket.encode({
    type: 'response', id: 1, flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ type: qtype, name: qname }], answers: answers as dnsPacket.Answer[],
  } as dnsPacket.Packet);
  return decodeMessage(bytes);
}

describe('summarizeAnswer', () => {
  const zone = parseRealZone(ROOT_2023);
  const apex = (type: number) => zone.records.filter((r) => r.name === '.' && (r.type === type || (r.type === 46 && r.rdata[1] === type)));

  it('DNSKEY answer: flags, protocol, algorithm, key tag, key hash (SHA-256, 8 octets), key bits, and the RRSIGs', () => {
    const records = apex(48);
    const m = response('.', 'DNSKEY', records);
    const s = summarizeAnswer(m, 48);
    const keys = records.filter((r) => r.type === 48);
    expect(s.answer).toHaveLength(keys.length);
    s.answer.forEach((rec, i) => {
      const rdata = (keys[i] as ZoneRecord).rdata;
      const k = decodeDnskey(rdata, 0, rdata.length);
      const modulusBits = publicKeyObject(8, k.publicKey).asymmetricKeyDetails?.modulusLength;
      expect(rec).toEqual({
        name: '.', type: 48, ttl: 172800,
        dnskey: {
          flags: k.flags, protocol: 3, algorithm: 8, keyTag: keyTag(rdata),
          keyHash: new Uint8Array(createHash('sha256').update(k.publicKey).digest().subarray(0, 8)),
          keyBits: modulusBits,
        },
      });
    });
    expect(s.answer.map((r) => r.dnskey?.keyTag).sort()).toEqual([20326, 60955]);
    expect(s.rrsigs).toEqual([{
      name: '.', ttl: 172800, typeCovered: 48, algorithm: 8, labels: 0, originalTtl: 172800,
      expiration: Date.UTC(2023, 5, 1) / 1000, inception: Date.UTC(2023, 4, 11) / 1000, keyTag: 20326, signer: '.',
    }]);
    expect(s.answerTtl).toBe(172800);
    expect(s.soaSerial).toBe(0);
  });

  it('a real resolver answer (RIPE Atlas, org. DNSKEY, algorithm 7, 2014): tags and 1024/2048-bit keys', () => {
    const line = readRealText('ripe-atlas/sagan-test-dns-results.jsonl').split('\n')
      .find((l) => l.includes('"msm_id":1672220')) as string;
    const m = decodeMessage(new Uint8Array(Buffer.from((JSON.parse(line) as { result: { abuf: string } }).result.abuf, 'base64')));
    const s = summarizeAnswer(m, 48);
    const tags = s.answer.map((r) => r.dnskey?.keyTag).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(s.rrsigs.map((r) => r.keyTag).sort((a, b) => a - b)).toEqual([9795, 21366, 23273]);
    for (const t of s.rrsigs.map((r) => r.keyTag)) expect(tags).toContain(t);
    for (const r of s.answer) {
      const rr = m.answer.find((x) => x.type === 48 && keyTag(x.rdata) === r.dnskey?.keyTag);
      const k = decodeDnskey(m.bytes, rr?.rdataOffset ?? 0, rr?.rdataLength ?? 0);
      expect(r.dnskey?.keyBits).toBe(publicKeyObject(7, k.publicKey).asymmetricKeyDetails?.modulusLength);
      expect(r.dnskey?.algorithm).toBe(7);
    }
    expect(s.answerTtl).toBe(Math.min(...m.answer.filter((r) => r.type === 48).map((r) => r.ttl)));
  });

  it('key bits for ECDSA and EdDSA keys (RFC 6605, RFC 8080 examples): 256, 384, 256, 456', () => {
    const rfc = parseRealZone('rfc-vectors/rfc-algorithm-examples.zone').records.filter((r) => r.type === 48 && r.rdata[3] as number >= 13);
    const m = response('example.net.', 'DNSKEY', rfc);
    const bits = summarizeAnswer(m, 48).answer.map((r) => [r.dnskey?.algorithm, r.dnskey?.keyBits]);
    expect(bits).toEqual([[13, 256], [14, 384], [15, 256], [15, 256], [16, 456], [16, 456]]);
  });

  it('DS answer with its RRSIG; answerTtl is the minimum over records of qtype', () => {
    const ds = zone.records.filter((r) => r.name === 'org.' && (r.type === 43 || (r.type === 46 && r.rdata[1] === 43)));
    const m = response('org.', 'DS', ds);
    const s = summarizeAnswer(m, 43);
    const dsRecords = ds.filter((r) => r.type === 43);
    expect(s.answer.map((r) => r.ds)).toEqual(dsRecords.map((r) => {
      const d = decodeDs(r.rdata, 0, r.rdata.length);
      return { keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: d.digest };
    }));
    expect(s.rrsigs.map((r) => [r.typeCovered, r.signer, r.keyTag])).toEqual([[43, '.', 60955]]);
    expect(s.answerTtl).toBe(86400);
    const shorter = response('org.', 'DS', ds, 77);
    expect(summarizeAnswer(shorter, 43).answerTtl).toBe(77);
    expect(summarizeAnswer(shorter, 48).answerTtl).toBe(0); // no DNSKEY in the answer
  });

  it('SOA and NS answers: typed parts and the SOA serial', () => {
    const soa = apex(6);
    const s = summarizeAnswer(response('.', 'SOA', soa), 6);
    expect(s.soaSerial).toBe(2023051100);
    expect(s.answer[0]?.soa).toMatchObject({ mname: 'a.root-servers.net.', rname: 'nstld.verisign-grs.com.', serial: 2023051100, minimum: 86400 });
    const ns = summarizeAnswer(response('.', 'NS', apex(2)), 2);
    expect(ns.answer.map((r) => r.ns?.host)).toEqual('abcdefghijklm'.split('').map((c) => `${c}.root-servers.net.`));
    expect(ns.soaSerial).toBe(0);
    expect(ns.answerTtl).toBe(518400);
  });

  it('CDS, CDNSKEY and CSYNC answers (dns-packet carries them as raw RDATA)', () => {
    const rr = (type: number, rdata: Uint8Array): ZoneRecord => ({ name: 'example.', type, klass: 1, ttl: 300, rdata, line: 0 });
    const key = (zone.records.find((r) => r.type === 48 && r.rdata[1] === 1) as ZoneRecord).rdata; // KSK 20326
    const cds = encodeDs({ keyTag: 20326, algorithm: 8, digestType: 2, digest: new Uint8Array(32).fill(7) });
    const csync = encodeCsync({ serial: 66, flags: 3, types: [1, 2, 28] });
    const deleteKey = encodeDnskey({ flags: 0, protocol: 3, algorithm: 0, publicKey: Uint8Array.from([0]) }); // RFC 8078 §4
    const m = response('example.', 'ANY', [rr(59, cds), rr(60, key), rr(60, deleteKey), rr(62, csync), rr(16, Uint8Array.from([1, 0x61]))]);
    const s = summarizeAnswer(m, 255);
    expect(s.answer.map((r) => Object.keys(r).sort().join(','))).toEqual([
      'ds,name,ttl,type', 'dnskey,name,ttl,type', 'dnskey,name,ttl,type', 'csync,name,ttl,type', 'name,ttl,type',
    ]);
    expect(s.answer[0]?.ds).toMatchObject({ keyTag: 20326, digestType: 2 });
    expect(s.answer[1]?.dnskey).toMatchObject({ keyTag: 20326, flags: 257, keyBits: 2048 });
    expect(s.answer[2]?.dnskey).toMatchObject({ flags: 0, algorithm: 0, keyBits: 0 });
    expect(s.answer[3]?.csync).toEqual(decodeCsync(csync, 0, csync.length));
    expect(s.answerTtl).toBe(300);
  });

  it('produces objects the kto.v1 protobuf codec encodes and decodes unchanged', () => {
    const records = apex(48);
    const s = summarizeAnswer(response('.', 'DNSKEY', records), 48);
    for (const rec of s.answer) {
      const back = ProtoRecord.decode(ProtoRecord.encode(rec).finish());
      expect(back.name).toBe(rec.name);
      expect(back.data).toBe('dnskey');
      for (const [k, v] of Object.entries(rec.dnskey ?? {})) {
        const got = back.dnskey?.[k as keyof NonNullable<typeof rec.dnskey>];
        expect(got instanceof Uint8Array ? new Uint8Array(got) : got, k).toEqual(v);
      }
    }
    for (const sig of s.rrsigs) {
      const back = ProtoRrsig.decode(ProtoRrsig.encode(sig).finish());
      for (const [k, v] of Object.entries(sig)) expect(back[k as keyof typeof sig], k).toEqual(v);
    }
  });

  it('a malformed record of a summarized type is KTO_ERR_CORE_MALFORMED_RDATA naming the answer index', () => {
    const bytes = dnsPacket.encode({
      type: 'response', id: 1, questions: [{ type: 'DNSKEY', name: 'a.' }],
      answers: [
        { type: 'A', name: 'a.', ttl: 1, data: '192.0.2.1' },
        { type: 'UNKNOWN_48', name: 'a.', ttl: 1, data: Buffer.from([1, 1]) } as unknown as dnsPacket.Answer,
      ],
    });
    expect(() => summarizeAnswer(decodeMessage(bytes), 48)).toThrow(expect.objectContaining({
      code: 'KTO_ERR_CORE_MALFORMED_RDATA', message: expect.stringMatching(/^answer 1 \(a\. type 48\)/),
    }));
  });
});
