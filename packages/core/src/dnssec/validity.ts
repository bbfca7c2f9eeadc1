// The RRSIG validity window (RFC 4034 §3.1.5, RFC 4035 §5.3.1): inception <= now <= expiration,
// compared with RFC 1982 serial number arithmetic on 32 bits, so that windows keep working when
// the 32-bit seconds counter wraps in 2106.

import { KtoError } from '../errors.js';

export type RrsigWindowStatus = 'in-window' | 'not-yet-valid' | 'expired';

const HALF = 0x80000000;

/**
 * RFC 1982 §3.2 comparison of two 32-bit serial numbers: negative when a precedes b, positive
 * when a follows b, 0 when equal, NaN when the distance is exactly 2^31 (undefined by RFC 1982;
 * neither "before" nor "after").
 */
export function serialCompare(a: number, b: number): number {
  const d = (b - a) >>> 0;
  if (d === 0) return 0;
  if (d === HALF) return NaN;
  return d < HALF ? -1 : 1;
}

/**
 * Where `now` (seconds since the epoch; any non-negative integer, taken modulo 2^32) lies relative
 * to an RRSIG window. Both ends are inclusive (RFC 4035 §5.3.1). A distance of exactly 2^31 from
 * an end, where RFC 1982 defines no order, counts as outside.
 */
export function rrsigWindowStatus(inception: number, expiration: number, now: number): RrsigWindowStatus {
  if (!Number.isSafeInteger(now) || now < 0) {
    throw new KtoError('KTO_ERR_CORE_BAD_ARGUMENT', `now must be a non-negative integer of seconds, got ${String(now)}`);
  }
  const t = now % 0x100000000;
  const fromInception = serialCompare(inception, t);
  if (!(fromInception <= 0)) return 'not-yet-valid';
  const toExpiration = serialCompare(t, expiration);
  if (!(toExpiration <= 0)) return 'expired';
  return 'in-window';
}
