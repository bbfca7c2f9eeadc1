// Limits the collector enforces on one observation (the protocol text), applied before batching:
// one oversized field must not get a whole batch rejected. The raw response is never touched, so
// nothing is lost that the analyzer could not recompute.
import type { IObservation, IRecord, IRrsig } from '@kto/proto';

export const OBSERVATION_LIMITS = {
  rawBytes: 65_535,
  stringBytes: 255,
  errorBytes: 1024,
  answerRecords: 1000,
  rrsigs: 1000,
} as const;

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes: short strings need no measuring.
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s) <= maxBytes) return s;
  let out = Buffer.from(s).subarray(0, maxBytes).toString();
  // A cut inside a multi-byte sequence decodes to U+FFFD (3 bytes): drop it.
  while (Buffer.byteLength(out) > maxBytes || out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return out;
}

function fits(s: string | null | undefined): boolean {
  return s === null || s === undefined || s.length * 3 <= OBSERVATION_LIMITS.stringBytes
    || Buffer.byteLength(s) <= OBSERVATION_LIMITS.stringBytes;
}

function recordFits(r: IRecord): boolean {
  return fits(r.name) && fits(r.soa?.mname) && fits(r.soa?.rname) && fits(r.ns?.host);
}

function rrsigFits(r: IRrsig): boolean {
  return fits(r.name) && fits(r.signer);
}

/**
 * Makes `obs` acceptable to the collector, in place: at most 1,000 answer records and RRSIGs, summary
 * entries with a string over 255 bytes left out, EDE texts and the error text shortened.
 */
export function fitObservation(obs: IObservation): IObservation {
  const L = OBSERVATION_LIMITS;
  if (obs.answer != null) {
    if (obs.answer.length > L.answerRecords) obs.answer = obs.answer.slice(0, L.answerRecords);
    if (!obs.answer.every(recordFits)) obs.answer = obs.answer.filter(recordFits);
  }
  if (obs.rrsigs != null) {
    if (obs.rrsigs.length > L.rrsigs) obs.rrsigs = obs.rrsigs.slice(0, L.rrsigs);
    if (!obs.rrsigs.every(rrsigFits)) obs.rrsigs = obs.rrsigs.filter(rrsigFits);
  }
  if (obs.ede != null) {
    for (const e of obs.ede) if (e.text != null) e.text = truncateUtf8(e.text, L.stringBytes);
  }
  if (obs.error != null) obs.error = truncateUtf8(obs.error, L.errorBytes);
  if (obs.raw != null && obs.raw.length > L.rawBytes) obs.raw = obs.raw.subarray(0, L.rawBytes);
  return obs;
}
