// DS records at the parent that match no key the zone ever published.

import type { Finding } from '../types.js';
import { makeFinding } from './registry.js';

export function orphanDsFindings(orphans: readonly { ds: string; first: number; last: number }[]): Finding[] {
  return orphans.map((o) => {
    const [tag, alg, digestType, digest] = o.ds.split(':');
    return makeFinding('DS_MATCHES_NO_DNSKEY', {
      at: o.first, until: o.last, keys: [], vantages: ['authoritative'],
      params: { ds: `${tag} ${alg} ${digestType} ${(digest ?? '').slice(0, 16)}…` },
    });
  });
}
