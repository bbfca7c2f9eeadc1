// The observation pipeline end to end, with nothing faked: a signed zone hierarchy served by Knot on
// loopback, validating Unbound resolvers, the real kto-agent (enrolled with the real kto-collector),
// and both stores: embedded chdb and Debian's clickhouse-server. The stored rows must say what the
// resolvers answered: AD flag, key tags, DS digests, RRSIG key tags — and the raw bytes must be there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, keyTag, RRTYPE, summarizeAnswer } from '@kto/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServer } from './support/clickhouse-server.js';
import { startDnsWorld, type DnsWorld, type WorldZone } from './support/dns-world.js';
import { waitFor } from './support/processes.js';
import {
  api, enrolAgent, startAgent, startCollector, zoneObservations,
  type AgentProcess, type Collector, type ObservationJson, type StoreChoice,
} from './support/kto.js';

const AD = 0x0020;
const QTYPES = ['DNSKEY', 'SOA', 'DS', 'CDS', 'CDNSKEY', 'CSYNC'] as const;
const LEAVES = ['alpha.kto-test.', 'beta.kto-test.', 'gamma.kto-test.'];

let world: DnsWorld;
let clickhouse: ClickHouseServer;

beforeAll(async () => {
  [world, clickhouse] = await Promise.all([startDnsWorld({ subnet: '127.55', resolvers: 1 }), startClickHouseServer()]);
});
afterAll(async () => {
  await Promise.allSettled([world?.stop(), clickhouse?.stop()]);
});

const zoneOf = (name: string): WorldZone => world.zones.find((z) => z.name === name)!;
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe.each([
  ['embedded chdb', (dir: string): StoreChoice => ({ dataDir: join(dir, 'data') })],
  ['clickhouse-server 18.16', (): StoreChoice => ({ clickhouseUrl: clickhouse.url, database: `kto_pipeline_${process.pid}` })],
])('agent -> collector -> %s', (_label, storeFor) => {
  let dir: string;
  let collector: Collector;
  let agent: AgentProcess;
  let agentId: string;
  const byZone = new Map<string, ObservationJson[]>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kto-pipeline-'));
    collector = await startCollector({ dir, store: storeFor(dir) });
    // The zones come from the collector (pushed to the agent over its WebSocket), not its command line.
    for (const zone of [...LEAVES, 'broken.kto-test.']) await api(collector, 'POST', '/v1/zones', { zone, interval_s: 2 });
    agentId = await enrolAgent(collector, join(dir, 'agent'), { country: 'CZ', continent: 'EU' });
    // A 1232-byte EDNS buffer: beta's DNSKEY answer (1,447 bytes) must come back truncated and over TCP.
    agent = await startAgent({
      stateDir: join(dir, 'agent'), collector, resolvers: [`${world.resolvers[0]!.address}:53`], zones: [],
      args: ['--edns-buffer', '1232', '--batch-max-age', '300ms'], logFile: join(dir, 'agent.log'),
    });
    await waitFor(async () => {
      await agent.daemon.assertRunning();
      for (const zone of [...LEAVES, 'broken.kto-test.']) {
        const rows = await zoneObservations(collector, zone);
        byZone.set(zone, rows);
        const seen = new Set(rows.map((r) => r.qtype));
        if (!QTYPES.every((t) => seen.has(RRTYPE[t]))) return undefined;
      }
      return true;
    }, { what: 'every qtype of every zone stored', timeoutMs: 60_000, intervalMs: 500 });
  });

  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const latest = (zone: string, qtype: number): ObservationJson => {
    const rows = byZone.get(zone)!.filter((r) => r.qtype === qtype);
    expect(rows.length, `${zone} qtype ${qtype} observations`).toBeGreaterThan(0);
    return rows[rows.length - 1]!;
  };

  it('stores who observed: the enrolled agent, its declared location, the resolver as vantage point', () => {
    const r = latest('alpha.kto-test.', RRTYPE.DNSKEY);
    expect(r.agent_id).toBe(agentId);
    expect([r.country, r.continent]).toEqual(['CZ', 'EU']);
    expect([r.vantage_kind, r.server]).toEqual(['resolver', world.resolvers[0]!.address]);
  });

  it.each(LEAVES)('%s: DNSKEY validated (AD=1), key tags and RRSIG key tags as the zone has them', (zone) => {
    const z = zoneOf(zone);
    const r = latest(zone, RRTYPE.DNSKEY);
    expect([r.status, r.rcode, r.ad, r.header_flags & AD]).toEqual(['ok', 0, 1, AD]);
    expect(sorted(r.dnskey_key_tags)).toEqual(sorted(z.keys.map((k) => k.keyTag)));
    expect(sorted(r.dnskey_algorithms)).toEqual(sorted(z.keys.map((k) => k.algorithm)));
    const signers = z.keys.filter((k) => k.signing && k.role !== 'ZSK').map((k) => k.keyTag);
    const dnskeySigs = r.rrsig_key_tags.filter((_, i) => r.rrsig_type_covered[i] === RRTYPE.DNSKEY);
    expect(sorted(dnskeySigs)).toEqual(sorted(signers));
    expect(new Set(r.rrsig_signers)).toEqual(new Set([zone]));
  });

  it.each(LEAVES)('%s: DS validated, digests equal the ones the parent serves', (zone) => {
    const z = zoneOf(zone);
    const r = latest(zone, RRTYPE.DS);
    expect([r.status, r.rcode, r.ad]).toEqual(['ok', 0, 1]);
    const got = r.ds_key_tags.map((t, i) => `${t}/${r.ds_algorithms[i]}/${r.ds_digest_types[i]}/${r.ds_digests[i]}`).sort();
    const want = z.ds.map((d) => `${d.keyTag}/${d.algorithm}/${d.digestType}/${d.digestHex.toLowerCase()}`).sort();
    expect(got).toEqual(want);
    expect(r.rrsig_signers).toEqual(['kto-test.']); // the DS RRset is signed by the parent
  });

  it('beta: CDS and CDNSKEY publish its KSK; CSYNC is stored; its big DNSKEY answer came over TCP after TC', () => {
    const beta = zoneOf('beta.kto-test.');
    const ksk = beta.keys.find((k) => k.role === 'KSK' && k.signing)!;
    const cds = latest('beta.kto-test.', RRTYPE.CDS);
    expect([cds.ad, cds.ds_key_tags]).toEqual([1, [ksk.keyTag]]);
    const cdnskey = latest('beta.kto-test.', RRTYPE.CDNSKEY);
    expect([cdnskey.ad, cdnskey.dnskey_key_tags, cdnskey.dnskey_flags]).toEqual([1, [ksk.keyTag], [257]]);
    const csync = latest('beta.kto-test.', RRTYPE.CSYNC);
    expect([csync.ad, csync.csync_serial > 0, csync.csync_types.includes(RRTYPE.NS)]).toEqual([1, true, true]);
    const dnskey = latest('beta.kto-test.', RRTYPE.DNSKEY);
    expect([dnskey.transport, dnskey.tc_retry, dnskey.tc]).toEqual(['tcp', 1, 0]);
    expect(Buffer.from(dnskey.raw, 'base64').length).toBeGreaterThan(1232);
  });

  it('the raw response bytes are stored and decode to what the summary columns say', () => {
    for (const zone of LEAVES) {
      const r = latest(zone, RRTYPE.DNSKEY);
      const msg = decodeMessage(new Uint8Array(Buffer.from(r.raw, 'base64')));
      expect(msg.header.ad).toBe(true);
      const summary = summarizeAnswer(msg, RRTYPE.DNSKEY);
      expect(summary.answer.map((a) => a.dnskey!.keyTag)).toEqual(r.dnskey_key_tags);
      // and the key tags computed from the raw DNSKEY RDATA agree
      const tags = msg.answer.filter((a) => a.type === RRTYPE.DNSKEY).map((a) => keyTag(a.rdata));
      expect(sorted(tags)).toEqual(sorted(r.dnskey_key_tags));
    }
  });

  it('a bogus zone is recorded as the validation failure it is: SERVFAIL with an EDE, no AD', () => {
    const r = latest('broken.kto-test.', RRTYPE.DNSKEY);
    expect([r.status, r.rcode, r.ad]).toEqual(['ok', 2, 0]);
    expect(r.ede_codes.some((c) => [6, 7, 9, 10, 12].includes(c))).toBe(true);
  });

  it('lists the agent with its observations', async () => {
    const { agents } = await api<{ agents: { agent_id: string; observations_24h: number; location: { country: string } }[] }>(collector, 'GET', '/v1/agents');
    const me = agents.find((a) => a.agent_id === agentId)!;
    expect(me.location.country).toBe('CZ');
    expect(me.observations_24h).toBeGreaterThanOrEqual(QTYPES.length * 4);
  });
});
