import { describe, expect, it } from 'vitest';
import { BatchBody } from '@kto/proto';
import { atlasCases } from '../testing/fixtures.js';
import { batchToRows, observationToRow, toHex, type RowContext } from './rows.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const ctx: RowContext = { agentId: 'a0123456789abcdef0123', seq: 7, receivedAtMs: NOW + 5, country: 'CZ', continent: 'EU', asn: 25192 };

/** The observations as the collector sees them: encoded by the agent, decoded from the batch body. */
function decodedCases() {
  const cases = atlasCases(NOW);
  const body = BatchBody.decode(BatchBody.encode({ agentId: ctx.agentId, seq: 7, observations: cases.map((c) => c.observation) }).finish());
  return cases.map((c, i) => ({ ...c, decoded: body.observations[i]! }));
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

describe('observationToRow on real RIPE Atlas responses', () => {
  const cases = decodedCases();

  it('has cases with DNSKEY, DS, SOA, NS and RRSIG data', () => {
    expect(cases.length).toBeGreaterThan(40);
    expect(cases.some((c) => c.observation.qtype === 48)).toBe(true);
    expect(cases.some((c) => c.observation.qtype === 43)).toBe(true);
  });

  it('org. DNSKEY: three RRSIGs by 9795, 21366, 23273 (algorithm 7), as VERIFY-sagan.txt reports', () => {
    const c = cases.find((x) => x.observation.qname === 'org.' && x.observation.qtype === 48)!;
    const row = observationToRow(c.decoded, 3, ctx);
    expect([...row.rrsig_key_tags].sort((a, b) => a - b)).toEqual([9795, 21366, 23273]);
    expect(row.rrsig_algorithms).toEqual([7, 7, 7]);
    expect(row.rrsig_signers).toEqual(['org.', 'org.', 'org.']);
    expect(row.rrsig_type_covered).toEqual([48, 48, 48]);
    // the window VERIFY-sagan.txt prints: 20140609145629-20140630155629
    expect(row.rrsig_inceptions).toEqual(Array(3).fill(Date.UTC(2014, 5, 9, 14, 56, 29) / 1000));
    expect(row.rrsig_expirations).toEqual(Array(3).fill(Date.UTC(2014, 5, 30, 15, 56, 29) / 1000));
    expect(row.rrsig_checks).toEqual(['unchecked', 'unchecked', 'unchecked']);
    // every DNSKEY of the answer, in parallel arrays; the KSK (flags 257) signs, so its tag is among the signers
    const n = row.dnskey_flags.length;
    expect(n).toBe(c.message.answer.filter((rr) => rr.type === 48).length);
    for (const arr of [row.dnskey_protocols, row.dnskey_algorithms, row.dnskey_key_tags, row.dnskey_key_hashes, row.dnskey_key_bits]) {
      expect(arr).toHaveLength(n);
    }
    expect(row.dnskey_protocols).toEqual(Array(n).fill(3));
    expect(row.dnskey_algorithms).toEqual(Array(n).fill(7));
    expect(row.dnskey_key_hashes.every((h) => /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect(row.dnskey_flags).toContain(257);
    // flags as on the wire, read straight from the RDATA
    const wireFlags = c.message.answer.filter((rr) => rr.type === 48).map((rr) => u16(c.message.bytes, rr.rdataOffset));
    expect(row.dnskey_flags).toEqual(wireFlags);
  });

  it('nlnet.nl ANY: ten RRSIGs, the DNSKEY set signed by 19987 and the rest by 38979', () => {
    const c = cases.find((x) => x.observation.qname === 'nlnet.nl.' && x.observation.qtype === 255)!;
    const row = observationToRow(c.decoded, 0, ctx);
    expect(row.rrsig_key_tags).toHaveLength(10);
    row.rrsig_type_covered.forEach((t, i) => expect(row.rrsig_key_tags[i]).toBe(t === 48 ? 19987 : 38979));
    expect(new Set(row.rrsig_type_covered)).toEqual(new Set([6, 1, 2, 15, 16, 28, 35, 48, 51, 99]));
    expect(row.soa_serial).toBeGreaterThan(0);
    expect(row.ns_hosts.length).toBeGreaterThan(0);
  });

  it('DS answers: digest hex equals the RDATA digest bytes', () => {
    const dsCases = cases.filter((x) => x.observation.qtype === 43);
    expect(dsCases.length).toBeGreaterThan(0);
    for (const c of dsCases) {
      const row = observationToRow(c.decoded, 0, ctx);
      const wire = c.message.answer.filter((rr) => rr.type === 43);
      expect(row.ds_digests).toEqual(wire.map((rr) => Buffer.from(c.message.bytes.subarray(rr.rdataOffset + 4, rr.rdataOffset + rr.rdataLength)).toString('hex')));
      expect(row.ds_key_tags).toEqual(wire.map((rr) => u16(c.message.bytes, rr.rdataOffset)));
      expect(row.ds_algorithms).toEqual(wire.map((rr) => c.message.bytes[rr.rdataOffset + 2]));
      expect(row.ds_digest_types).toEqual(wire.map((rr) => c.message.bytes[rr.rdataOffset + 3]));
    }
  });

  it('header bits, rcode, TTL of the answer RRset, raw bytes and identity columns', () => {
    for (const [i, c] of cases.entries()) {
      const row = observationToRow(c.decoded, i, ctx);
      const h = c.message.header;
      expect([row.aa, row.tc, row.ad]).toEqual([+h.aa, +h.tc, +h.ad]);
      expect(row.header_flags).toBe(h.flags);
      expect(row.rcode).toBe(h.rcode);
      // RRSIGs excluded; for ANY every other record counts
      const ttls = c.message.answer.filter((rr) => rr.type !== 46 && (rr.type === c.observation.qtype || c.observation.qtype === 255))
        .map((rr) => rr.ttl);
      expect(row.answer_ttl).toBe(ttls.length === 0 ? 0 : Math.min(...ttls));
      expect(Buffer.from(row.raw).equals(Buffer.from(c.message.bytes))).toBe(true);
      expect(row.rrsig_key_tags).toHaveLength(c.message.answer.filter((rr) => rr.type === 46).length);
      expect(row.zone).toBe(c.observation.zone);
      expect(row.server).toBe(c.observation.vantage!.address);
      expect(row.family).toBe(c.observation.vantage!.address!.includes(':') ? 6 : 4);
      expect(row.vantage_kind).toBe('authoritative');
      expect(row.observed_at_ms).toBe(c.observation.sentAtMs);
      expect(row).toMatchObject({ agent_id: ctx.agentId, seq: 7, idx: i, received_at_ms: ctx.receivedAtMs, country: 'CZ', continent: 'EU', asn: 25192 });
    }
  });
});

/** An enum value this collector does not know (a newer agent's). */
const future = <T>(n: number): T => n as unknown as T;

describe('observationToRow mappings', () => {
  it('maps enums to their names and unknown values to unknown/unchecked', () => {
    const body = BatchBody.decode(BatchBody.encode({
      observations: [
        { vantage: { kind: 2, transport: 2, tcRetry: true }, status: 2, rrsigs: [{ check: 1 }, { check: 3 }, { check: 4 }, { check: 2 }, { check: future(9) }] },
        { vantage: { kind: future(7), transport: future(9) }, status: future(42) },
        {},
      ],
    }).finish());
    const [a, b, c] = body.observations.map((o, i) => observationToRow(o, i, ctx));
    expect([a!.vantage_kind, a!.transport, a!.tc_retry, a!.status]).toEqual(['authoritative', 'tcp', 1, 'timeout']);
    expect(a!.rrsig_checks).toEqual(['valid', 'key_not_present', 'unsupported_algorithm', 'invalid', 'unchecked']);
    expect([b!.vantage_kind, b!.transport, b!.status]).toEqual(['unknown', 'unknown', 'unknown']);
    expect([c!.vantage_kind, c!.transport, c!.status, c!.family, c!.server]).toEqual(['unknown', 'unknown', 'unknown', 0, '']);
    expect(c!.raw).toHaveLength(0);
    expect(c!.dnskey_flags).toEqual([]);
    expect(Object.isFrozen(c!.dnskey_flags)).toBe(true); // shared empty column: must never be written to
  });

  it('CSYNC, SOA, NS and EDE columns', () => {
    const body = BatchBody.decode(BatchBody.encode({
      observations: [{
        qtype: 62,
        ede: [{ code: 9, text: 'DNSKEY Missing' }, { code: 22 }],
        answer: [
          { name: 'example.', type: 62, ttl: 300, csync: { serial: 66, flags: 3, types: [1, 2, 28] } },
          { name: 'example.', type: 62, ttl: 100 },
          { name: 'example.', type: 6, ttl: 50, soa: { serial: 2026011501 } },
          { name: 'example.', type: 2, ttl: 50, ns: { host: 'ns1.example.' } },
          { name: 'example.', type: 2, ttl: 50, ns: { host: 'ns2.example.' } },
        ],
      }],
    }).finish());
    const row = observationToRow(body.observations[0]!, 0, ctx);
    expect([row.csync_serial, row.csync_flags, row.csync_types]).toEqual([66, 3, [1, 2, 28]]);
    expect(row.soa_serial).toBe(2026011501);
    expect(row.ns_hosts).toEqual(['ns1.example.', 'ns2.example.']);
    expect(row.answer_ttl).toBe(100);
    expect(row.ede_codes).toEqual([9, 22]);
    expect(row.ede_texts).toEqual(['DNSKEY Missing', '']);
  });

  it('batchToRows numbers rows by position', () => {
    const rows = batchToRows([{ qtype: 1 }, { qtype: 2 }, { qtype: 3 }], ctx);
    expect(rows.map((r) => [r.idx, r.qtype])).toEqual([[0, 1], [1, 2], [2, 3]]);
  });

  it('toHex agrees with Buffer for short and long inputs', () => {
    for (const n of [0, 1, 8, 32, 64, 65, 300]) {
      const b = new Uint8Array(n).map((_, i) => (i * 37 + 11) & 0xff);
      expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
    }
  });
});
