// The REAL root history (../shared/real-data/root-dnskey-timeseries: root apex every ~12 h,
// 2023-11 .. 2026-08, see its README §2) through the snapshot importer and analyzeZone: eleven
// quarterly ZSK pre-publish rollovers, KSK-2024 (38696) published 2025-01-11 without signing, the
// irregular 2025 Q3 quarter, 20326 signing the DNSKEY RRset throughout; every DNSKEY RRset change of
// root-dnskey-set-changes.csv found at its snapshot.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeZone } from '../analyze.js';
import type { ZoneAnalysis } from '../types.js';
import { parseSnapshotArchive, snapshotsToObservations } from './zone-snapshots.js';

const DIR = process.env.KTO_REAL_DATA ?? fileURLToPath(new URL('../../../../../shared/real-data/', import.meta.url));
const SERIES = `${DIR.replace(/\/?$/, '/')}root-dnskey-timeseries/`;
const ARCHIVE = `${SERIES}root-apex-2023-11-04_2026-08-22.txt.gz`;

const tagOf = (keyId: string): number => Number(keyId.split('-')[1]);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe.runIf(existsSync(ARCHIVE))('root DNSKEY history 2023-11 .. 2026-08 (real data)', () => {
  let a: ZoneAnalysis;
  let snapshots: number;
  beforeAll(() => {
    const snaps = parseSnapshotArchive(gunzipSync(readFileSync(ARCHIVE)).toString('utf8'));
    snapshots = snaps.length;
    a = analyzeZone(snapshotsToObservations(snaps, { zone: '.' }), { zone: '.' });
  });

  it('imports every snapshot and verifies every signature', () => {
    expect(snapshots).toBe(2576);
    expect(a.observations).toBe(2 * 2576);
    expect(a.signatures.invalid).toBe(0);
    expect(a.signatures.key_unknown).toBe(0);
    expect(a.signatures.valid).toBe(a.signatures.checked);
    expect(a.signatures.checked).toBeGreaterThan(2576);
    expect(a.ttl.dnskey).toBe(172800);
    expect(a.findings).toEqual([]);
  });

  it('eleven quarterly ZSK pre-publish rollovers, each conformant with Ipub and Iret', () => {
    const zsk = a.transitions.filter((t) => t.role === 'ZSK');
    expect(zsk.length).toBe(11);
    for (const t of zsk) {
      expect(t.procedure).toBe('zsk-pre-publish');
      expect(t.status).toBe('complete');
      expect(t.conformant).toBe(true);
      expect(t.keys_in.length).toBe(1);
      expect(t.keys_out.length).toBe(1);
      expect(t.waits.map((w) => [w.name, w.respected])).toEqual([['Ipub', true], ['Iret', true]]);
      // the new ZSK takes over RRSIG(SOA) on the 1st day of a quarter
      expect(t.switch_at).not.toBeNull();
      const sw = new Date(t.switch_at?.at ?? 0);
      expect(sw.getUTCDate()).toBe(1);
      expect([0, 3, 6, 9]).toContain(sw.getUTCMonth());
    }
    expect(zsk.map((t) => `${tagOf(t.keys_out[0] as string)}>${tagOf(t.keys_in[0] as string)}`)).toEqual([
      '46780>30903', '30903>5613', '5613>20038', '20038>61050', '61050>26470', '26470>53148',
      '53148>46441', '46441>61809', '61809>21831', '21831>54393', '54393>57780',
    ]);
    const first = zsk[0];
    expect(day(first?.anatomy.events[first.keys_in[0] as string]?.t_pub?.at ?? 0)).toBe('2023-12-20');
    expect(day(first?.switch_at?.at ?? 0)).toBe('2024-01-01');
    expect(day(first?.anatomy.events[first.keys_out[0] as string]?.t_unpub?.at ?? 0)).toBe('2024-01-11');
  });

  it('the irregular 2025 Q3: 53148 stops signing 2025-07-01 and stays published to 2025-09-19', () => {
    const t = a.transitions.find((x) => x.role === 'ZSK' && x.keys_out.some((k) => tagOf(k) === 53148));
    expect(t).toBeDefined();
    const id = t?.keys_out[0] as string;
    const ev = t?.anatomy.events[id];
    expect(day(ev?.t_unsign?.at ?? 0)).toBe('2025-07-01');
    expect(day(ev?.t_unpub?.at ?? 0)).toBe('2025-09-19');
    const retained = t?.anatomy.post_retire_ms[id];
    expect((retained?.ms ?? 0) / 86_400_000).toBeGreaterThan(79);
    // four keys in the set from 2025-06-20 to 2025-09-19
    const sightings = a.sightings.filter((s) => s.vantage === 'authoritative');
    const at = Date.parse('2025-08-01T00:00:00Z');
    const published = sightings.filter((s) => s.first_published_ms <= at && (s.t_unpub === null || s.t_unpub.at > at));
    expect(published.map((s) => s.key_tag).sort((x, y) => x - y)).toEqual([20326, 38696, 46441, 53148]);
  });

  it('KSK-2024 (38696) published 2025-01-11 without signing: an RFC 5011 add hold-down in progress', () => {
    const k = a.keys.find((x) => x.key_tag === 38696);
    expect(k).toMatchObject({ algorithm: 8, flags: 257, role: 'KSK', role_source: 'flags' });
    const s = a.sightings.find((x) => x.vantage === 'authoritative' && x.key_tag === 38696);
    expect(day(s?.first_published_ms ?? 0)).toBe('2025-01-11');
    expect(s?.t_sign).toEqual({});
    expect(s?.t_unpub).toBeNull();
    const pending = a.transitions.filter((t) => t.role === 'KSK');
    expect(pending.length).toBe(1);
    expect(pending[0]).toMatchObject({ procedure: 'rfc5011-rollover', status: 'in-progress', keys_out: [] });
    expect(pending[0]?.keys_in.map(tagOf)).toEqual([38696]);
  });

  it('20326 signs the DNSKEY RRset in every snapshot, and nothing else does', () => {
    const signers = a.sightings.filter((s) => s.vantage === 'authoritative' && s.t_sign.DNSKEY !== undefined);
    expect(signers.map((s) => s.key_tag)).toEqual([20326]);
    const s = signers[0];
    expect(s?.t_sign.DNSKEY?.after).toBeNull();
    expect(s?.t_unsign.DNSKEY).toBeNull();
    expect(s?.role).toBe('KSK');
  });

  it('every DNSKEY RRset change of root-dnskey-set-changes.csv, at its snapshot', () => {
    const lines = readFileSync(`${SERIES}root-dnskey-set-changes.csv`, 'utf8').trim().split('\n').slice(1);
    expect(lines.length).toBe(21);
    const auth = a.sightings.filter((s) => s.vantage === 'authoritative');
    for (const line of lines) {
      const [, firstUtc, , lastBeforeUtc, added, removed] = line.split(',');
      const at = Date.parse(firstUtc as string);
      const after = Date.parse(lastBeforeUtc as string);
      for (const tag of (added ?? '').split(' ').filter((x) => x !== '').map((x) => Number(x.split('/')[0]))) {
        const s = auth.find((x) => x.key_tag === tag);
        expect(s?.t_pub, `added ${tag}`).toEqual({ at, after });
      }
      for (const tag of (removed ?? '').split(' ').filter((x) => x !== '').map((x) => Number(x.split('/')[0]))) {
        const s = auth.find((x) => x.key_tag === tag);
        expect(s?.t_unpub, `removed ${tag}`).toEqual({ at, after });
      }
    }
  });
});

describe('parseSnapshotArchive', () => {
  it('rejects a bad header with KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX and the line', () => {
    expect(() => parseSnapshotArchive('; commit=zz committed=never message=1\n. 1 IN SOA a. b. 1 2 3 4 5\n'))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX', details: { line: 1 } }));
    expect(() => parseSnapshotArchive('; commit=ab committed=2024-01-01T00:00:00+00:00 message=1\n. 1 IN SOA a. b. notanumber 2 3 4 5\n'))
      .toThrow(expect.objectContaining({ code: 'KTO_ERR_ANALYZER_SNAPSHOT_SYNTAX' }));
  });
});
