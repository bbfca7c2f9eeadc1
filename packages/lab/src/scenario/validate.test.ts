import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKtoError } from '@kto/core';
import { loadScenarioFile, validateScenario } from './validate.js';

// the tests bend valid JSON in arbitrary ways, as a hand-written scenario file might be
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const good = (): Record<string, unknown> => ({
  name: 'test-zsk-pre-publish', kind: 'conformant', procedure: 'zsk-pre-publish', description: 'ZSK pre-publish', references: ['RFC 6781 §4.1.1.1'],
  label: 'zsk-pp', ttl: { dnskey: 20, zone: 20, ds: 20 }, parent: { mode: 'registration', delay: 10 },
  keys: [{ id: 'K1', role: 'KSK', algorithm: 13 }, { id: 'Z10', role: 'ZSK', algorithm: 8, bits: 1024 }, { id: 'Z11', role: 'ZSK', algorithm: 13 }],
  initial: { published: ['K1', 'Z10'], signing: [{ key: 'K1' }, { key: 'Z10' }], ds: ['K1'] },
  steps: [
    { at: 20, note: 'new DNSKEY', do: [{ publish: 'Z11' }] },
    { at: 60, note: 'new RRSIGs', do: [{ sign: 'Z11' }, { unsign: 'Z10' }] },
    { at: 100, note: 'removal', do: [{ unpublish: 'Z10' }] },
  ],
  duration: 140, expectedFindings: [],
});

/** The message of the KTO_ERR_LAB_BAD_SCENARIO error validateScenario throws for `mutate(good())`. */
function errorOf(mutate: (s: Loose) => void): string {
  const s = good();
  mutate(s);
  try {
    validateScenario(s);
  } catch (err) {
    expect(isKtoError(err, 'KTO_ERR_LAB_BAD_SCENARIO')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('validateScenario accepted an invalid scenario');
}

describe('validateScenario', () => {
  it('accepts a valid scenario and returns it', () => {
    const s = good();
    expect(validateScenario(s)).toBe(s);
  });

  it.each([
    ['an unknown key in an action', (s: Loose) => { s.steps[2].do.push({ publish: 'Z12' }); }, 'steps[2].do[1].publish: unknown key "Z12"'],
    ['unsorted steps', (s: Loose) => { s.steps[1].at = 10; }, 'steps[1].at: steps must be sorted by time: 10 comes after 20'],
    ['a step after the duration', (s: Loose) => { s.duration = 90; }, 'steps[2].at: 100 is after the scenario\'s duration (90)'],
    ['two verbs in one action', (s: Loose) => { s.steps[0].do[0].unpublish = 'K1'; }, 'steps[0].do[0]: more than one verb (publish, unpublish)'],
    ['no verb', (s: Loose) => { s.steps[0].do[0] = { provider: 'A' }; }, 'steps[0].do[0]: no verb'],
    ['a field the verb does not take', (s: Loose) => { s.steps[0].do[0].scope = 'zone'; }, 'steps[0].do[0]: unknown field "scope"'],
    ['an unknown provider', (s: Loose) => { s.steps[0].do[0].provider = 'B'; }, 'steps[0].do[0].provider: unknown provider "B"'],
    ['a ZSK signing the DNSKEY RRset', (s: Loose) => { s.steps[1].do[0].scope = 'dnskey'; }, 'steps[1].do[0].scope: a ZSK (Z11) cannot sign scope "dnskey"'],
    ['a KSK in initial signing for zone data', (s: Loose) => { s.initial.signing[0].scope = 'all'; }, 'initial.signing[0].scope: a KSK (K1) cannot sign scope "all"'],
    ['a DS for a ZSK', (s: Loose) => { s.initial.ds = ['Z10']; }, 'initial.ds[0]: a DS record needs a KSK or CSK'],
    ['dsAdd with a scanning parent', (s: Loose) => { s.parent = { mode: 'cds-scan', interval: 30 }; s.steps[0].do.push({ dsAdd: 'K1' }); },
      'steps[0].do[1].dsAdd: the parent scans CDS/CDNSKEY'],
    ['bits on an ECDSA key', (s: Loose) => { s.keys[0].bits = 2048; }, 'keys[0].bits: only RSA keys'],
    ['a tiny RSA key', (s: Loose) => { s.keys[1].bits = 512; }, 'keys[1].bits: expected an integer from 1024 to 4096, got 512'],
    ['a duplicate key id', (s: Loose) => { s.keys[2].id = 'K1'; }, 'keys[2].id: key "K1" is defined twice'],
    ['a bad label', (s: Loose) => { s.label = 'Zsk_pp'; }, 'label: "Zsk_pp" is not a DNS label'],
    ['a misspelt top-level field', (s: Loose) => { s.duraton = 5; }, 'scenario: unknown field "duraton"'],
    ['a negative TTL', (s: Loose) => { s.ttl.ds = -1; }, 'ttl.ds: must be greater than 0, got -1'],
    ['a finding window that ends before it starts', (s: Loose) => { s.expectedFindings = [{ code: 'X', from: 50, to: 40 }]; }, 'expectedFindings[0].to: ends (40) before it starts (50)'],
    ['a key signing at a provider that does not hold it', (s: Loose) => {
      s.providers = [{ id: 'A' }, { id: 'B' }]; s.keys[2].provider = 'A'; s.steps[1].do[0].provider = 'B';
    }, 'steps[1].do[0].provider: key "Z11" is held by provider "A"'],
  ])('rejects %s with the path of the problem', (_what, mutate, message) => {
    expect(errorOf(mutate)).toContain(message);
  });
});

describe('loadScenarioFile', () => {
  it('loads a JSON file, and names the file and the field when it is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kto-lab-validate-'));
    try {
      const ok = join(dir, 'ok.json');
      await writeFile(ok, JSON.stringify(good()));
      expect((await loadScenarioFile(ok)).name).toBe('test-zsk-pre-publish');
      const bad = join(dir, 'bad.json');
      const s = good();
      (s['steps'] as Loose[])[1].do[0].sign = 'Z99';
      await writeFile(bad, JSON.stringify(s));
      await expect(loadScenarioFile(bad)).rejects.toThrow(`${bad}: steps[1].do[0].sign: unknown key "Z99"`);
      const notJson = join(dir, 'not.json');
      await writeFile(notJson, '{ "name": ');
      await expect(loadScenarioFile(notJson)).rejects.toMatchObject({ code: 'KTO_ERR_LAB_SCENARIO_FILE' });
      await expect(loadScenarioFile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'KTO_ERR_LAB_SCENARIO_FILE' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
