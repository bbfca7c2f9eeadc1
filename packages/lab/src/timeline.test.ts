import { describe, expect, it } from 'vitest';
import type { Scenario } from './scenario/types.js';
import { validateScenario } from './scenario/validate.js';
import { nextChange, parentChangeTimes, stateAt } from './timeline.js';

// RFC 6781 §4.1.1.1 ZSK pre-publish (RFC-NOTES.md table), TTLs of 20 lab seconds
const zskPrePublish: Scenario = validateScenario({
  name: 'test-zsk-pre-publish', kind: 'conformant', procedure: 'zsk-pre-publish', description: 'ZSK pre-publish', references: ['RFC 6781 §4.1.1.1'],
  label: 'zsk-pp', ttl: { dnskey: 20, zone: 20, ds: 20 }, parent: { mode: 'registration', delay: 10 },
  keys: [{ id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'Z10', role: 'ZSK', algorithm: 13 }, { id: 'Z11', role: 'ZSK', algorithm: 13 }],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 60, note: 'new RRSIGs', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 100, note: 'removal', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 140, expectedFindings: [],
});

const keysOf = (s: Scenario, t: number, provider = 'A'): string[] =>
  stateAt(s, t).providers.find((p) => p.provider === provider)?.dnskeys.map((k) => k.key) ?? [];
const signersOf = (s: Scenario, t: number, scope: 'dnskey' | 'zone', provider = 'A'): string[] =>
  stateAt(s, t).providers.find((p) => p.provider === provider)?.signers.filter((k) => k[scope]).map((k) => k.key) ?? [];

describe('stateAt: ZSK pre-publish (RFC 6781 §4.1.1.1)', () => {
  it('follows the table row by row, each step taking effect at its time', () => {
    // initial | new DNSKEY | new RRSIGs | removal
    expect(keysOf(zskPrePublish, 0)).toEqual(['K1', 'Z10']);
    expect(keysOf(zskPrePublish, 19.999)).toEqual(['K1', 'Z10']);
    expect(keysOf(zskPrePublish, 20)).toEqual(['K1', 'Z10', 'Z11']);
    expect(signersOf(zskPrePublish, 59, 'zone')).toEqual(['Z10']);
    expect(signersOf(zskPrePublish, 60, 'zone')).toEqual(['Z11']);
    expect(signersOf(zskPrePublish, 60, 'dnskey')).toEqual(['K1']);
    expect(keysOf(zskPrePublish, 100)).toEqual(['K1', 'Z11']);
    expect(keysOf(zskPrePublish, 1e9)).toEqual(['K1', 'Z11']);
    expect(stateAt(zskPrePublish, 100).parent.ds).toEqual([{ key: 'K1', digestType: 2 }]);
  });

  it('counts applied steps (the zone serial) and lists the change points', () => {
    expect([0, 20, 59, 60, 100, 500].map((t) => stateAt(zskPrePublish, t).stepsApplied)).toEqual([0, 1, 1, 2, 3, 3]);
    expect(nextChange(zskPrePublish, 0)).toBe(20);
    expect(nextChange(zskPrePublish, 20)).toBe(60);
    expect(nextChange(zskPrePublish, 100)).toBe(Infinity);
  });

  it('returns the same state object for the same segment (compiled once)', () => {
    expect(stateAt(zskPrePublish, 30).providers).toBe(stateAt(zskPrePublish, 50).providers);
  });
});

const base = {
  kind: 'conformant', description: 'test', references: [], ttl: { dnskey: 30, zone: 30, ds: 30 }, expectedFindings: [],
} as const;

describe('stateAt: the parent', () => {
  it('registration: DS changes `delay` lab seconds after dsAdd/dsRemove (KSK double-DS)', () => {
    const s = validateScenario({
      ...base, name: 'test-double-ds', procedure: 'ksk-double-ds', label: 'dds', parent: { mode: 'registration', delay: 15 },
      keys: [{ id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'K2', role: 'KSK', algorithm: 13 }, { id: 'Z1', role: 'ZSK', algorithm: 13 }],
      initial: { published: ['K1', 'Z1'], signing: [{ key: 'K1' }, { key: 'Z1' }], ds: ['K1'] },
      steps: [
        { at: 10, note: 'new DS', do: [{ dsAdd: 'K2', digestType: 4 }] },
        { at: 80, note: 'new DNSKEY', do: [{ publish: 'K2' }, { unpublish: 'K1' }, { sign: 'K2' }, { unsign: 'K1' }] },
        { at: 150, note: 'DS removal', do: [{ dsRemove: 'K1' }] },
      ],
      duration: 200,
    });
    const ds = (t: number): string[] => stateAt(s, t).parent.ds.map((d) => `${d.key}/${d.digestType}`);
    expect(ds(24.9)).toEqual(['K1/2']);
    expect(ds(25)).toEqual(['K1/2', 'K2/4']);
    expect(ds(164)).toEqual(['K1/2', 'K2/4']);
    expect(ds(165)).toEqual(['K2/4']);
    expect(parentChangeTimes(s)).toEqual([25, 165]);
    expect(stateAt(s, 165).parent.version).toBe(2);
  });

  it('cds-scan: DS := CDS at the first scan tick after the child publishes it, only when all asked providers agree', () => {
    const s = validateScenario({
      ...base, name: 'test-cds', procedure: 'ds-change-cds', label: 'cds', parent: { mode: 'cds-scan', interval: 40 },
      providers: [{ id: 'A' }, { id: 'B' }],
      keys: [{ id: 'K1', role: 'CSK', algorithm: 13 }, { id: 'K2', role: 'CSK', algorithm: 13 }],
      initial: { published: ['K1'], signing: [{ key: 'K1' }], ds: ['K1'] },
      steps: [
        { at: 10, note: 'new key, CDS at A only', do: [{ publish: 'K2' }, { cds: ['K1', 'K2'], provider: 'A' }] },
        { at: 50, note: 'CDS at B too', do: [{ cds: ['K2', 'K1'], provider: 'B' }] },
        { at: 130, note: 'CDS delete', do: [{ cdsDelete: true }] },
      ],
      duration: 300,
    });
    const ds = (t: number): string[] => stateAt(s, t).parent.ds.map((d) => d.key);
    // tick 40: A and B disagree (B has none) -> no change; tick 80: both {K1, K2}
    expect(ds(79)).toEqual(['K1']);
    expect(ds(80)).toEqual(['K1', 'K2']);
    // tick 160: both ask for deletion -> insecure
    expect(ds(159)).toEqual(['K1', 'K2']);
    expect(ds(160)).toEqual([]);
    expect(parentChangeTimes(s)).toEqual([80, 160]);
  });

  it('CSYNC: the parent copies the NS set at its next scan (RFC 7477), and then asks the new name servers', () => {
    const s = validateScenario({
      ...base, name: 'test-csync', procedure: 'ns-change-csync', label: 'csync', parent: { mode: 'cds-scan', interval: 25 },
      providers: [{ id: 'A' }, { id: 'B' }],
      keys: [{ id: 'K1', role: 'CSK', algorithm: 13 }],
      initial: { published: ['K1'], signing: [{ key: 'K1' }], ds: ['K1'], ns: ['A'] },
      steps: [{ at: 30, note: 'NS change', do: [{ nsSet: ['A', 'B'], csync: true }] }],
      duration: 100,
    });
    expect(stateAt(s, 30).ns).toEqual(['A', 'B']);
    expect(stateAt(s, 30).csync).toBe(true);
    expect(stateAt(s, 49).parent.ns).toEqual(['A']);
    expect(stateAt(s, 50).parent.ns).toEqual(['A', 'B']);
  });
});

describe('stateAt: per-provider keys, revocation and faults', () => {
  it('multi-signer model 2: each provider signs with its own keys and publishes the other ZSK', () => {
    const s = validateScenario({
      ...base, name: 'test-ms', procedure: 'multi-signer-steady', label: 'ms', parent: { mode: 'registration', delay: 5 },
      providers: [{ id: 'A' }, { id: 'B', servers: 2 }],
      keys: [
        { id: 'KA', role: 'KSK', algorithm: 13, provider: 'A' }, { id: 'ZA', role: 'ZSK', algorithm: 13, provider: 'A' },
        { id: 'KB', role: 'KSK', algorithm: 13, provider: 'B' }, { id: 'ZB', role: 'ZSK', algorithm: 13, provider: 'B' },
      ],
      initial: { published: ['ZA', 'ZB'], signing: [{ key: 'KA' }, { key: 'ZA' }, { key: 'KB' }, { key: 'ZB' }], ds: ['KA', 'KB'] },
      steps: [{ at: 1, note: 'own KSKs', do: [{ publish: 'KA', provider: 'A' }, { publish: 'KB', provider: 'B' }] }],
      duration: 10,
    });
    expect(keysOf(s, 2, 'A')).toEqual(['KA', 'ZA', 'ZB']);
    expect(keysOf(s, 2, 'B')).toEqual(['ZA', 'KB', 'ZB']);
    expect(signersOf(s, 2, 'zone', 'A')).toEqual(['ZA']);
    expect(signersOf(s, 2, 'dnskey', 'B')).toEqual(['KB']);
  });

  it('revoke publishes the key with REVOKE and makes it sign the DNSKEY RRset; stopResigning and signatureValidity are recorded', () => {
    const s = validateScenario({
      ...base, name: 'test-revoke', procedure: 'rfc5011-rollover', label: 'rev', parent: { mode: 'registration', delay: 5 },
      signatureValidity: 200,
      keys: [{ id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'K2', role: 'KSK', algorithm: 13 }, { id: 'Z1', role: 'ZSK', algorithm: 13 }],
      initial: { published: ['K1', 'K2', 'Z1'], signing: [{ key: 'K2' }, { key: 'Z1' }], ds: ['K2'] },
      steps: [
        { at: 10, note: 'revoke', do: [{ revoke: 'K1' }] },
        { at: 20, note: 'short signatures', do: [{ signatureValidity: 40 }] },
        { at: 30, note: 'signer dies', do: [{ stopResigning: true }] },
      ],
      duration: 100,
    });
    const a = stateAt(s, 10).providers[0];
    expect(a?.dnskeys.find((k) => k.key === 'K1')).toEqual({ key: 'K1', revoked: true });
    expect(a?.signers.find((k) => k.key === 'K1')).toEqual({ key: 'K1', dnskey: true, zone: false });
    expect(stateAt(s, 19).validity).toEqual({ seconds: 200, since: 0 });
    expect(stateAt(s, 20).validity).toEqual({ seconds: 40, since: 20 });
    expect(stateAt(s, 29).resigning).toBe(true);
    expect(stateAt(s, 30)).toMatchObject({ resigning: false, resigningStoppedAt: 30 });
  });
});
