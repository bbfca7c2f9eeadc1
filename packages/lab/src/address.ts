// Lab addresses: everything the lab binds lies in 127.0.0.0/8 (loopback), never elsewhere.

import { KtoError } from '@kto/core';

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Throws KTO_ERR_LAB_BAD_ADDRESS unless `address` is a dotted-quad IPv4 address in 127.0.0.0/8. */
export function assertLoopback(address: string, what = 'address'): void {
  const m = typeof address === 'string' ? IPV4_RE.exec(address) : null;
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) {
    throw new KtoError('KTO_ERR_LAB_BAD_ADDRESS', `${what} must be an IPv4 address in 127.0.0.0/8, got ${JSON.stringify(address)}`, { address });
  }
  if (m[1] !== '127') {
    throw new KtoError('KTO_ERR_LAB_BAD_ADDRESS', `${what} ${address} is outside 127.0.0.0/8: the lab binds loopback addresses only`, { address });
  }
}

/** Parses a lab base "127.N" (the lab lives in 127.N.0.0/16); throws KTO_ERR_LAB_BAD_ADDRESS. */
export function parseBase(base: string): string {
  const m = typeof base === 'string' ? /^(\d{1,3})\.(\d{1,3})$/.exec(base) : null;
  if (m === null || Number(m[2]) > 255 || Number(m[1]) > 255) {
    throw new KtoError('KTO_ERR_LAB_BAD_ADDRESS', `base must be "127.N" with N in 0..255 (the lab lives in 127.N.0.0/16), got ${JSON.stringify(base)}`, { base });
  }
  if (m[1] !== '127') {
    throw new KtoError('KTO_ERR_LAB_BAD_ADDRESS', `base ${base}.0.0/16 is outside 127.0.0.0/8: the lab binds loopback addresses only`, { base });
  }
  return base;
}
