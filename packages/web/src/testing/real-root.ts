// Test support (node only): the REAL root history (../shared/real-data/root-dnskey-timeseries, root apex
// every ~12 h, 2023-11 .. 2026-08) through the analyzer, and its DNSKEY RRset change log, the ground
// truth the dashboard's shaping is checked against.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyzeZone, parseSnapshotArchive, snapshotsToObservations } from '@kto/analyzer';
import type { ZoneAnalysis } from '../api/types.js';

const DIR = process.env['KTO_REAL_DATA'] ?? fileURLToPath(new URL('../../../../../shared/real-data/', import.meta.url));
const SERIES = `${DIR.replace(/\/?$/, '/')}root-dnskey-timeseries/`;
export const ROOT_ARCHIVE = `${SERIES}root-apex-2023-11-04_2026-08-22.txt.gz`;
export const ROOT_CHANGES = `${SERIES}root-dnskey-set-changes.csv`;
export const HAVE_ROOT = existsSync(ROOT_ARCHIVE) && existsSync(ROOT_CHANGES);

let cached: { rows: ReturnType<typeof snapshotsToObservations>; analysis: ZoneAnalysis } | null = null;

/** The root's observations and their analysis (computed once per test file). */
export function realRoot(): { rows: ReturnType<typeof snapshotsToObservations>; analysis: ZoneAnalysis } {
  if (cached !== null) return cached;
  const snaps = parseSnapshotArchive(gunzipSync(readFileSync(ROOT_ARCHIVE)).toString('utf8'));
  const rows = snapshotsToObservations(snaps, { zone: '.' });
  // signatures are the analyzer's business (its own tests verify all of them); the dashboard shapes results
  cached = { rows, analysis: analyzeZone(rows, { zone: '.', verifySignatures: false }) as ZoneAnalysis };
  return cached;
}

export interface KeyChange {
  at: number;
  added: { tag: number; flags: number; algorithm: number }[];
  removed: { tag: number; flags: number; algorithm: number }[];
}

/** root-dnskey-set-changes.csv: each DNSKEY RRset change with the snapshot time that first shows it. */
export function rootKeyChanges(): KeyChange[] {
  const lines = readFileSync(ROOT_CHANGES, 'utf8').trim().split('\n').slice(1);
  const keys = (field: string): KeyChange['added'] => (field === '' ? [] : field.split(' ').map((k) => {
    const [tag, flags, algorithm] = k.split('/').map(Number) as [number, number, number];
    return { tag, flags, algorithm };
  }));
  return lines.map((line) => {
    const f = line.split(',');
    return { at: Date.parse(f[1] as string), added: keys(f[4] ?? ''), removed: keys(f[5] ?? '') };
  });
}
