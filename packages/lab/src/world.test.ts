// Whole labs: scenarios served, signed and validated through real Unbound resolvers on an
// accelerated clock; broken variants fail validation inside the window they predict.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RCODE, RRTYPE, rrsetFromMessage } from '@kto/core';
import { findRrsigSigners } from '@kto/core/node';
import { labQuery } from './dns-client.js';
import { probeLab } from './probe.js';
import type { ProbeResult } from './probe.js';
import type { KeySpec, Scenario } from './scenario/types.js';
import { multiSignerLeave } from './scenarios/multi-signer-leave.js';
import { startLab } from './world.js';
import type { RunningLab } from './world.js';

const common: Pick<Scenario, 'references' | 'ttl' | 'parent' | 'expectedFindings'> = {
  references: ['RFC 6781 §4.1.1.1'], ttl: { dnskey: 20, zone: 20, ds: 20 }, parent: { mode: 'registration', delay: 10 },
  expectedFindings: [],
};
const keys: KeySpec[] = [
  { id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'Z10', role: 'ZSK', algorithm: 13 }, { id: 'Z11', role: 'ZSK', algorithm: 8, bits: 1024 },
];
const initial: Scenario['initial'] = { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] };

// RFC 6781 §4.1.1.1 with waits of twice the TTL (Ipub = TTLkey, Iret = TTLsig; Dprp = 0 here)
const zskPrePublish: Scenario = {
  ...common, name: 'test-zsk-pre-publish', kind: 'conformant', procedure: 'zsk-pre-publish', description: 'ZSK pre-publish',
  label: 'zsk-pp', keys: [...keys], initial,
  steps: [
    { at: 20, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 60, note: 'new RRSIGs', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 100, note: 'removal', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 140,
};
// the .de failure: zone data signed by a key that is not in the DNSKEY RRset, with no other cover
const absentKey: Scenario = {
  ...common, name: 'test-broken-absent-key', kind: 'broken', procedure: 'zsk-pre-publish', description: 'signatures by an unpublished ZSK',
  label: 'absent', keys: [...keys], initial,
  steps: [{ at: 30, note: 'new RRSIGs by an unpublished key', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] }],
  duration: 140,
  expectedValidationFailure: { from: 30, to: 30 + 20 + 20 },
};
// signatures with a 40 s validity, and the signer stops at 10: everything expires at lab second 40
const expired: Scenario = {
  ...common, name: 'test-broken-expired', kind: 'broken', procedure: 'unknown', description: 'RRSIGs expire, no re-signing',
  label: 'expired', keys: [...keys], initial, signatureValidity: 40,
  steps: [{ at: 10, note: 'the signer stops', do: [{ stopResigning: true }] }],
  duration: 140,
  expectedValidationFailure: { from: 40, to: 40 + 20 + 20 },
};

const SPEED = 10;

describe('a lab with three scenarios through the default resolvers', () => {
  let lab: RunningLab;
  let polls: ProbeResult[] = [];

  beforeAll(async () => {
    lab = await startLab({ scenarios: [zskPrePublish, absentKey, expired], speed: SPEED, base: '127.63' });
    polls = await probeLab(lab);
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('describes itself: resolvers with labels, servers, the trust anchor, zones and the clock', () => {
    const d = lab.describe();
    expect(d.resolvers.map((r) => `${r.id}/${r.continent}/${r.country}/${r.behaviour}`)).toEqual([
      'eu-cz-1/EU/CZ/honest', 'na-us-1/NA/US/honest', 'as-jp-1/AS/JP/ttl-stretch', 'oc-au-1/OC/AU/serve-expired', 'sa-br-1/SA/BR/ttl-cap',
      'af-za-1/AF/ZA/behind-cache',
    ]);
    expect(d.resolvers.find((r) => r.behaviour === 'behind-cache')?.cache?.address).toBe('127.63.1.134');
    expect(d.resolvers.every((r) => r.address.startsWith('127.63.1.') && r.pid > 0)).toBe(true);
    expect(d.trustAnchor).toMatch(/^\. IN DS \d+ 13 2 [0-9A-F]{64}$/);
    expect(d.zones.map((z) => z.zone)).toEqual(['zsk-pp.lab.', 'absent.lab.', 'expired.lab.']);
    expect(d.servers.filter((s) => s.role === 'zone').map((s) => s.address)).toEqual(['127.63.2.1', '127.63.3.1', '127.63.4.1']);
    expect(d.speed).toBe(SPEED);
    expect(d.warnings).toEqual([]);
  });

  it('conformant: every poll through every honest resolver validates (AD=1, no SERVFAIL) across the whole scenario', () => {
    const mine = polls.filter((p) => p.scenario === zskPrePublish.name && p.behaviour === 'honest');
    expect(mine.length).toBeGreaterThan(100);
    expect(Math.max(...mine.map((p) => p.t))).toBeGreaterThan(zskPrePublish.duration);
    const bad = mine.filter((p) => !p.ad || (p.rcode !== RCODE.NOERROR && p.rcode !== RCODE.NXDOMAIN));
    expect(bad).toEqual([]);
  });

  it.each([absentKey, expired])('broken $name: validates before the fault, fails (SERVFAIL) through the honest resolvers inside the predicted window', (s) => {
    const window = s.expectedValidationFailure as { from: number; to: number };
    const mine = polls.filter((p) => p.scenario === s.name && p.behaviour === 'honest');
    const before = mine.filter((p) => p.t < window.from - 1);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((p) => p.ad && p.rcode !== RCODE.SERVFAIL)).toBe(true);
    const failing = mine.filter((p) => p.rcode === RCODE.SERVFAIL);
    expect(failing.length).toBeGreaterThan(0);
    const first = Math.min(...failing.map((p) => p.t));
    expect(first).toBeGreaterThanOrEqual(window.from);
    expect(first).toBeLessThanOrEqual(window.to);
    // every honest resolver sees it
    expect(new Set(failing.filter((p) => p.t <= window.to).map((p) => p.resolver))).toEqual(new Set(['eu-cz-1', 'na-us-1']));
  });
});

describe('start-up without resolvers, and refusals', () => {
  const plain: Scenario = { ...zskPrePublish, name: 'test-plain', label: 'plain' };

  it('serves its zones without Unbound and says that no resolvers are available', async () => {
    const lab = await startLab({ scenarios: [plain], base: '127.64', unboundPath: '/nonexistent/sbin/unbound' });
    try {
      expect(lab.resolvers).toEqual([]);
      expect(lab.warnings.join('\n')).toMatch(/no resolvers available: Unbound is not installed at \/nonexistent\/sbin\/unbound/);
      const r = await labQuery('127.64.2.1', 'plain.lab.', 'SOA', { rd: false });
      expect(r.message.header).toMatchObject({ aa: true, rcode: RCODE.NOERROR });
      // a second lab on the same addresses is refused, and leaves the first one serving
      await expect(startLab({ scenarios: [plain], base: '127.64', resolvers: [] })).rejects.toMatchObject({ code: 'KTO_ERR_LAB_ADDRESS_IN_USE' });
      const again = await labQuery('127.64.2.1', 'plain.lab.', 'SOA', { rd: false });
      expect(again.message.header.rcode).toBe(RCODE.NOERROR);
    } finally {
      await lab.stop();
    }
    // stop() released every address
    const next = await startLab({ scenarios: [plain], base: '127.64', resolvers: [] });
    await next.stop();
  });

  it('refuses addresses outside 127.0.0.0/8, bad speeds and duplicate zone labels', async () => {
    await expect(startLab({ scenarios: [plain], base: '10.60', resolvers: [] })).rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_ADDRESS' });
    await expect(startLab({ scenarios: [plain], base: '127.300', resolvers: [] })).rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_ADDRESS' });
    await expect(startLab({ scenarios: [plain], speed: 0, base: '127.64', resolvers: [] })).rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_OPTION' });
    await expect(startLab({ scenarios: [plain, { ...plain, name: 'test-other' }], base: '127.64', resolvers: [] }))
      .rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_OPTION' });
    await expect(startLab({ scenarios: [{ ...plain, steps: [{ at: 5, note: 'x', do: [{ publish: 'Z12' }] }] }], base: '127.64', resolvers: [] }))
      .rejects.toMatchObject({ code: 'KTO_ERR_LAB_BAD_SCENARIO', message: expect.stringContaining('steps[0].do[0].publish: unknown key "Z12"') });
  });
});

describe('RFC 8901 model 2: a provider\'s CDS and CDNSKEY validate with the other provider\'s DNSKEY RRset', () => {
  // each provider's DNSKEY RRset holds its own KSK and every ZSK: a resolver holding B's set and asking
  // A for CDS can validate it only by A's ZSK signature, which the lab adds beside the KSK's (signer.ts)
  it('through a ZSK signature, as well as through the provider\'s own KSK', async () => {
    const lab = await startLab({ scenarios: [multiSignerLeave], base: '127.64', resolvers: [] });
    try {
      const z = lab.zones[0];
      const at = (p: string): string => z?.providers.find((x) => x.id === p)?.servers[0]?.address as string;
      const now = Math.floor(Date.now() / 1000);
      for (const [from, keysOf] of [['A', 'B'], ['B', 'A'], ['A', 'A']] as const) {
        const keys = await labQuery(at(keysOf), z?.zone as string, 'DNSKEY', { rd: false, transport: 'tcp' });
        const dnskeys = keys.message.answer.filter((r) => r.type === RRTYPE.DNSKEY).map((r) => r.rdata.slice());
        for (const qtype of ['CDS', 'CDNSKEY'] as const) {
          const r = await labQuery(at(from), z?.zone as string, qtype, { rd: false, transport: 'tcp' });
          const type = RRTYPE[qtype];
          const rrset = r.message.answer.filter((x) => x.type === type);
          expect(rrset.length, `${qtype} at ${from}`).toBeGreaterThan(0);
          const sigs = r.message.answer.filter((x) => x.type === RRTYPE.RRSIG).map((x) => x.rdata.slice());
          expect(sigs, `${qtype} at ${from}: the KSK's and the ZSK's signatures`).toHaveLength(2);
          const verdicts = findRrsigSigners({ rrset: rrsetFromMessage(r.message, rrset), rrsigs: sigs, dnskeys, keyOwner: z?.zone as string, now });
          expect(verdicts.filter((v) => v.status === 'valid').length, `${qtype} at ${from} with ${keysOf}'s DNSKEY RRset`).toBe(from === keysOf ? 2 : 1);
        }
      }
    } finally {
      await lab.stop();
    }
  });
});
