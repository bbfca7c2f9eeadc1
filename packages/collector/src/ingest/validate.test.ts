import { BatchBody, type kto } from '@kto/proto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../options.js';
import { atlasCases, observation } from '../testing/fixtures.js';
import { validateBatch } from './validate.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const DAY = 86_400_000;

/** Encodes and decodes like the collector does, then validates. */
function check(body: kto.v1.BatchBody.$Properties, limits = DEFAULT_LIMITS): void {
  validateBatch(BatchBody.decode(BatchBody.encode({ agentId: 'a1', seq: 1, createdAtMs: NOW, ...body }).finish()), limits, NOW);
}

function rejects(o: kto.v1.Observation.$Properties, field: string, code = 'KTO_ERR_INGEST_INVALID_FIELD'): void {
  const obs = [observation(NOW), observation(NOW), o];
  expect(() => check({ observations: obs }), field).toThrow(expect.objectContaining({ code, message: expect.stringContaining(`observations[2].${field}`) }));
}

describe('validateBatch', () => {
  it('accepts the real RIPE Atlas observations and the fixture observation', () => {
    expect(() => check({ observations: atlasCases(NOW).map((c) => c.observation) })).not.toThrow();
    expect(() => check({ observations: [observation(NOW)] })).not.toThrow();
  });

  it('names: valid, canonical (lower case, trailing dot)', () => {
    rejects(observation(NOW, { zone: '' }), 'zone');
    rejects(observation(NOW, { zone: 'example' }), 'zone');
    rejects(observation(NOW, { zone: 'EXAMPLE.' }), 'zone');
    rejects(observation(NOW, { qname: 'a..example.' }), 'qname');
    rejects(observation(NOW, { qname: `${'x'.repeat(64)}.example.` }), 'qname');
    rejects(observation(NOW, { qname: 'bad name.' }), 'qname');
    expect(() => check({ observations: [observation(NOW, { zone: '.', qname: '.' }), observation(NOW, { qname: '\\000.example.' })] })).not.toThrow();
  });

  it('qtype 1..65535', () => {
    rejects(observation(NOW, { qtype: 0 }), 'qtype');
    rejects(observation(NOW, { qtype: 65_536 }), 'qtype');
    expect(() => check({ observations: [observation(NOW, { qtype: 65_535 })] })).not.toThrow();
  });

  it('sent_at_ms within [now - 30 days, now + 5 min], both configurable', () => {
    rejects(observation(NOW - 30 * DAY - 1), 'sent_at_ms');
    rejects(observation(NOW + 5 * 60_000 + 1), 'sent_at_ms');
    rejects(observation(0), 'sent_at_ms');
    expect(() => check({ observations: [observation(NOW - 30 * DAY), observation(NOW + 5 * 60_000)] })).not.toThrow();
    const strict = { ...DEFAULT_LIMITS, maxObservationAgeMs: DAY, clockSkewMs: 1_000 };
    expect(() => check({ observations: [observation(NOW - DAY - 1)] }, strict)).toThrow(expect.objectContaining({ code: 'KTO_ERR_INGEST_INVALID_FIELD' }));
    expect(() => check({ observations: [observation(NOW + 1_001)] }, strict)).toThrow(expect.objectContaining({ code: 'KTO_ERR_INGEST_INVALID_FIELD' }));
  });

  it('vantage: present, an IP address, family consistent, port 16 bits, server_name <= 255 bytes', () => {
    rejects(observation(NOW, { vantage: null }), 'vantage');
    rejects(observation(NOW, { vantage: { address: 'resolver.example' } }), 'vantage.address');
    rejects(observation(NOW, { vantage: { address: '300.1.1.1' } }), 'vantage.address');
    rejects(observation(NOW, { vantage: { address: '::1', family: 4 } }), 'vantage.family');
    rejects(observation(NOW, { vantage: { address: '::1', port: 70_000 } }), 'vantage.port');
    rejects(observation(NOW, { vantage: { address: '::1', serverName: 'é'.repeat(128) } }), 'vantage.server_name');
    expect(() => check({ observations: [observation(NOW, { vantage: { address: '2001:db8::53', family: 6, serverName: 'é'.repeat(127) } })] })).not.toThrow();
  });

  it('raw <= 65,535 bytes, error <= 1,024 bytes, strings <= 255 bytes', () => {
    rejects(observation(NOW, { raw: new Uint8Array(65_536) }), 'raw');
    rejects(observation(NOW, { error: 'x'.repeat(1_025) }), 'error');
    rejects(observation(NOW, { ede: [{ code: 1, text: 'x'.repeat(256) }] }), 'ede[0].text');
    rejects(observation(NOW, { answer: [{ name: 'x'.repeat(256) }] }), 'answer[0].name');
    rejects(observation(NOW, { rrsigs: [{ signer: 's'.repeat(256) }] }), 'rrsigs[0].signer');
    expect(() => check({ observations: [observation(NOW, { raw: new Uint8Array(65_535), error: 'x'.repeat(1_024) })] })).not.toThrow();
  });

  it('at most 1,000 answer records, RRSIGs and EDEs', () => {
    rejects(observation(NOW, { answer: Array.from({ length: 1_001 }, () => ({ type: 48 })) }), 'answer');
    rejects(observation(NOW, { rrsigs: Array.from({ length: 1_001 }, () => ({ typeCovered: 48 })) }), 'rrsigs');
    rejects(observation(NOW, { ede: Array.from({ length: 1_001 }, () => ({ code: 1 })) }), 'ede');
    expect(() => check({ observations: [observation(NOW, { answer: Array.from({ length: 1_000 }, () => ({ type: 48 })) })] })).not.toThrow();
  });

  it('numbers narrower than uint32 on the wire fit their width', () => {
    rejects(observation(NOW, { rcode: 4_096 }), 'rcode');
    rejects(observation(NOW, { headerFlags: 65_536 }), 'header_flags');
    rejects(observation(NOW, { ednsUdpSize: 65_536 }), 'edns_udp_size');
    rejects(observation(NOW, { attempts: 256 }), 'attempts');
    rejects(observation(NOW, { ede: [{ code: 65_536 }] }), 'ede[0].code');
    rejects(observation(NOW, { answer: [{ type: 65_536 }] }), 'answer[0].type');
    rejects(observation(NOW, { answer: [{ dnskey: { algorithm: 256 } }] }), 'answer[0].dnskey.algorithm');
    rejects(observation(NOW, { answer: [{ dnskey: { flags: 65_536 } }] }), 'answer[0].dnskey.flags');
    rejects(observation(NOW, { answer: [{ dnskey: { keyHash: new Uint8Array(33) } }] }), 'answer[0].dnskey.key_hash');
    rejects(observation(NOW, { answer: [{ ds: { digestType: 256 } }] }), 'answer[0].ds.digest_type');
    rejects(observation(NOW, { answer: [{ ds: { digest: new Uint8Array(256) } }] }), 'answer[0].ds.digest');
    rejects(observation(NOW, { answer: [{ csync: { types: [65_536] } }] }), 'answer[0].csync.types[0]');
    rejects(observation(NOW, { rrsigs: [{ labels: 256 }] }), 'rrsigs[0].labels');
    rejects(observation(NOW, { rrsigs: [{ keyTag: 65_536 }] }), 'rrsigs[0].key_tag');
  });

  it('batch fields: seq >= 1, created_at within the skew (KTO_ERR_INGEST_CLOCK_SKEW), location, observation count', () => {
    expect(() => check({ seq: 0 })).toThrow(expect.objectContaining({ code: 'KTO_ERR_INGEST_INVALID_FIELD', message: expect.stringMatching(/^seq/) }));
    expect(() => check({ createdAtMs: NOW + 5 * 60_000 + 1 })).toThrow(expect.objectContaining({ code: 'KTO_ERR_INGEST_CLOCK_SKEW' }));
    expect(() => check({ createdAtMs: NOW - 365 * DAY })).not.toThrow(); // a batch may wait long in the agent's spool
    expect(() => check({ location: { country: 'cz' } })).toThrow(expect.objectContaining({ message: expect.stringMatching(/^location\.country/) }));
    expect(() => check({ location: { country: 'CZ', continent: 'XX' } })).toThrow(expect.objectContaining({ message: expect.stringMatching(/^location\.continent/) }));
    expect(() => check({ location: { country: 'CZ', continent: 'EU', asn: 25192 } })).not.toThrow();
    const many = Array.from({ length: 10_001 }, () => observation(NOW));
    expect(() => check({ observations: many })).toThrow(expect.objectContaining({ code: 'KTO_ERR_INGEST_TOO_MANY_OBSERVATIONS' }));
    expect(() => check({ observations: many.slice(1) })).not.toThrow();
  });
});
