// The opaque pagination cursor: base64url of the keyset position [observed_at_ms, agent_id, seq, idx].
import { KtoError } from '@kto/core';
import type { ObservationQuery, ObservationRow } from '../storage/types.js';

export type Keyset = NonNullable<ObservationQuery['after']>;

export function encodeCursor(row: Pick<ObservationRow, 'observed_at_ms' | 'agent_id' | 'seq' | 'idx'>): string {
  return Buffer.from(JSON.stringify([row.observed_at_ms, row.agent_id, row.seq, row.idx]), 'utf8').toString('base64url');
}

/** Throws KTO_ERR_API_BAD_CURSOR. */
export function decodeCursor(cursor: string): Keyset {
  let v: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new KtoError('KTO_ERR_API_BAD_CURSOR', 'the cursor is not one this API returned');
  }
  const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(v) || v.length !== 4 || !isUint(v[0]) || typeof v[1] !== 'string' || v[1].length > 64
    || !isUint(v[2]) || !isUint(v[3])) {
    throw new KtoError('KTO_ERR_API_BAD_CURSOR', 'the cursor is not one this API returned');
  }
  return { observed_at_ms: v[0], agent_id: v[1], seq: v[2], idx: v[3] };
}
