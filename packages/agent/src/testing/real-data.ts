// Real recorded DNS responses for tests, from the team's shared real-data tree (../shared beside the
// repository; see its README.md for provenance).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const REAL_DATA = resolve(import.meta.dirname, '../../../../../shared/real-data');

interface AtlasResult {
  readonly abuf?: string;
}

interface AtlasLine {
  readonly msm_id: number;
  readonly prb_id: number;
  readonly result?: AtlasResult;
  readonly resultset?: { readonly result?: AtlasResult; readonly dst_addr?: string }[];
}

/**
 * The wire responses (abuf) of one RIPE Atlas measurement result in
 * ripe-atlas/sagan-test-dns-results.jsonl, in file order.
 */
export function atlasResponses(msmId: number, prbId: number): Uint8Array[] {
  const text = readFileSync(resolve(REAL_DATA, 'ripe-atlas/sagan-test-dns-results.jsonl'), 'utf8');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as AtlasLine;
    if (o.msm_id !== msmId || o.prb_id !== prbId) continue;
    const results = o.result !== undefined ? [o.result] : (o.resultset ?? []).map((r) => r.result ?? {});
    return results.filter((r) => r.abuf !== undefined).map((r) => new Uint8Array(Buffer.from(r.abuf!, 'base64')));
  }
  throw new Error(`no RIPE Atlas result msm ${msmId} probe ${prbId} in the real-data tree`);
}
