// A stored row as the API returns it: the same columns, raw as base64.
import type { Static } from 'typebox';
import type { ObservationJson } from '../schemas/observations.js';
import type { ObservationRow } from '../storage/types.js';

export type ObservationJsonValue = Static<typeof ObservationJson>;

export function rowToJson(r: ObservationRow): ObservationJsonValue {
  const raw = r.raw;
  return { ...r, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
}
